package dev.s3backup.core.store;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param next the continuation for the following page, or null when this is the last
 */
public record ListPage(List<ObjectInfo> objects, String next) {
    public ListPage {
        objects = List.copyOf(objects);
    }
}
