package dev.s3backup.core.push;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A fixed number of chunk-sized buffers: the only large allocations of a push, so memory is
 * bounded by the pool, not by the data. A reader blocks until an upload returns a buffer.
 */
final class BufferPool {
    private final BlockingQueue<byte[]> free;
    private final int bufferSize;
    private final int capacity;
    private int created;

    BufferPool(int bufferSize, int capacity) {
        this.bufferSize = bufferSize;
        this.capacity = capacity;
        this.free = new ArrayBlockingQueue<>(capacity);
    }

    byte[] acquire() throws InterruptedException {
        byte[] buffer = free.poll();
        if (buffer != null) {
            return buffer;
        }
        synchronized (this) {
            if (created < capacity) {
                created++;
                return new byte[bufferSize];
            }
        }
        return free.take();
    }

    void release(byte[] buffer) {
        free.offer(buffer);
    }
}
