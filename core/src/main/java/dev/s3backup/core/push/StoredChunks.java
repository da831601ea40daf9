package dev.s3backup.core.push;

import dev.s3backup.core.repo.RepositoryLayout;
import dev.s3backup.core.store.ListPage;
import dev.s3backup.core.store.ObjectInfo;
import dev.s3backup.core.store.ObjectStore;
import dev.s3backup.manifest.ChunkRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Confirms which of a list of chunks the store holds now, in few requests: the chunks of one
 * fan-out prefix ({@code chunks/ab/}) are confirmed by listing that prefix when two or more of
 * them fall in it, by a HEAD when only one does. A listing stops once it has passed the last
 * wanted key, and sends fewer pages than the chunks it looks for: a prefix whose listing would
 * be long (a huge repository) falls back to HEADs for what is left. So a confirmation costs
 * about one LIST per prefix touched when many chunks are confirmed, one HEAD per chunk when
 * few are, and never more than two requests per chunk. See docs/DECISIONS.md §12.
 */
final class StoredChunks {
    private StoredChunks() {
    }

    /** The chunks present with the expected size; absent or differently sized ones are left out. */
    static List<ChunkRef> confirm(ObjectStore store, List<ChunkRef> chunks) {
        Map<String, TreeMap<String, ChunkRef>> byPrefix = new TreeMap<>();
        for (ChunkRef c : chunks) {
            String key = RepositoryLayout.chunkKey(c.hash());
            byPrefix.computeIfAbsent(key.substring(0, key.lastIndexOf('/') + 1), p -> new TreeMap<>()).put(key, c);
        }
        List<ChunkRef> present = new ArrayList<>();
        for (Map.Entry<String, TreeMap<String, ChunkRef>> prefix : byPrefix.entrySet()) {
            TreeMap<String, ChunkRef> wanted = prefix.getValue();
            int pagesAllowed = wanted.size() - 1;
            String continuation = null;
            int pages = 0;
            while (wanted.size() >= 2 && pages < pagesAllowed) {
                ListPage page = store.list(prefix.getKey(), continuation);
                pages++;
                for (ObjectInfo o : page.objects()) {
                    ChunkRef c = wanted.remove(o.key());
                    if (c != null && o.size() == c.length()) {
                        present.add(c);
                    }
                }
                if (page.next() == null || page.objects().isEmpty()) {
                    wanted.clear(); // the whole prefix was listed: what was not in it is not stored
                    break;
                }
                // Keys come in order: every wanted key up to the page's last one was answered.
                wanted.headMap(page.objects().get(page.objects().size() - 1).key(), true).clear();
                continuation = page.next();
            }
            for (Map.Entry<String, ChunkRef> left : wanted.entrySet()) {
                Optional<ObjectInfo> info = store.head(left.getKey());
                if (info.isPresent() && info.get().size() == left.getValue().length()) {
                    present.add(left.getValue());
                }
            }
        }
        return present;
    }
}
