package dev.s3backup.core.store;

import java.time.Clock;

class InMemoryObjectStoreContractTest extends ObjectStoreContract {

    private final InMemoryObjectStore store = new InMemoryObjectStore(Clock.systemUTC(), 10);

    @Override
    protected ObjectStore store() {
        return store;
    }
}
