package dev.s3backup.cli;

import dev.s3backup.core.repo.RequestCounts;
import java.util.LinkedHashMap;
import java.util.Map;

final class Requests {
    private Requests() {
    }

    static Map<String, Object> toMap(RequestCounts.Snapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("put", s.put());
        m.put("head", s.head());
        m.put("list", s.list());
        m.put("get", s.get());
        m.put("delete", s.delete());
        m.put("retries", s.retries());
        return m;
    }
}
