package dev.s3backup.s3.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An HTTP/1.1 proxy for tests that sits in front of an S3 server (S3Mock or S3Proxy from
 * {@link S3TestServers}) and breaks a share of the requests the way networks and S3 do:
 * <ul>
 *   <li>{@link Fault#DROP_BEFORE_REQUEST}: closes the connection before reading the request;</li>
 *   <li>{@link Fault#DROP_AFTER_REQUEST}: forwards the request (the server applies it), then
 *       closes the connection without an answer, so the client cannot tell whether it landed;</li>
 *   <li>{@link Fault#INTERNAL_ERROR}: answers 500 with S3's {@code InternalError} XML body;</li>
 *   <li>{@link Fault#SLOW_DOWN}: answers 503 with S3's {@code SlowDown} XML body;</li>
 *   <li>{@link Fault#STALL}: reads the request, sends nothing for the stall time, then closes;</li>
 *   <li>{@link Fault#TRUNCATE}: forwards, then declares the full Content-Length of the answer but
 *       sends only half of its body and closes (an answer without a body is dropped instead,
 *       and counted as {@link Fault#DROP_AFTER_REQUEST}).</li>
 * </ul>
 * Whether and how a request is broken depends only on the seed, the request's method, URL and
 * Range header, and how many times that same request came before, so a run with the same seed
 * and the same requests breaks the same ones, whatever the thread interleaving. Every fault is
 * counted by kind. Point the client at {@link #endpoint()} with path-style addressing; the
 * signature stays valid because the Host header is passed on unchanged.
 */
public final class FaultProxy implements AutoCloseable {

    /** The kinds of failure injected. */
    public enum Fault { DROP_BEFORE_REQUEST, DROP_AFTER_REQUEST, INTERNAL_ERROR, SLOW_DOWN, STALL, TRUNCATE }

    private static final Fault[] KINDS = Fault.values();
    private static final int IDLE_TIMEOUT_MILLIS = 120_000;

    private final URI upstream;
    private final long seed;
    private final Duration stall;
    private final ServerSocket listener;
    private final ExecutorService threads;
    private final Map<Fault, LongAdder> injected = new EnumMap<>(Fault.class);
    private final Map<String, AtomicLong> seen = new ConcurrentHashMap<>();
    private final LongAdder requests = new LongAdder();
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    private volatile double rate;
    private volatile boolean closed;

    private FaultProxy(URI upstream, long seed, double rate, Duration stall) throws IOException {
        this.upstream = upstream;
        this.seed = seed;
        this.stall = stall;
        setRate(rate);
        for (Fault f : KINDS) {
            injected.put(f, new LongAdder());
        }
        listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fault-proxy");
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    /**
     * Starts a proxy on a free loopback port.
     *
     * @param upstream the S3 server, {@code http://host:port}
     * @param rate the share of requests broken, 0 to 1
     * @param stall how long a {@link Fault#STALL} holds the connection; make it longer than the
     *     client's socket timeout so the client gives up first
     */
    public static FaultProxy start(URI upstream, long seed, double rate, Duration stall) throws IOException {
        return new FaultProxy(upstream, seed, rate, stall);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** Changes the share of requests broken from now on; 0 turns faults off. */
    public void setRate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate must be 0 to 1: " + rate);
        }
        this.rate = rate;
    }

    /** Faults injected so far, by kind. */
    public Map<Fault, Long> injected() {
        Map<Fault, Long> counts = new EnumMap<>(Fault.class);
        injected.forEach((kind, n) -> counts.put(kind, n.sum()));
        return counts;
    }

    public long injectedTotal() {
        return injected.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Requests received so far, broken or not. */
    public long requests() {
        return requests.sum();
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        synchronized (open) {
            open.forEach(FaultProxy::closeQuietly);
        }
        threads.shutdownNow();
    }

    // ---- connections ------------------------------------------------------------------------

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            open.add(client);
            threads.execute(() -> {
                try {
                    serve(client);
                } catch (IOException e) {
                    // the client went away or a fault closed the connection
                } finally {
                    closeQuietly(client);
                    open.remove(client);
                }
            });
        }
    }

    /** Serves the requests of one client connection until it closes or a fault closes it. */
    private void serve(Socket client) throws IOException {
        client.setSoTimeout(IDLE_TIMEOUT_MILLIS);
        InputStream in = new BufferedInputStream(client.getInputStream());
        OutputStream out = client.getOutputStream();
        while (true) {
            Head request = readHead(in);
            if (request == null) {
                return;
            }
            requests.increment();
            Fault fault = decide(request);
            if (fault == Fault.DROP_BEFORE_REQUEST) {
                count(fault);
                return;
            }
            if ("100-continue".equalsIgnoreCase(request.header("Expect"))) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            byte[] body = readBody(in, request, false);
            if (fault == Fault.INTERNAL_ERROR || fault == Fault.SLOW_DOWN) {
                count(fault);
                sendError(out, request, fault);
                return;
            }
            if (fault == Fault.STALL) {
                count(fault);
                sleep(stall);
                return;
            }
            Response response = forward(request, body);
            if (fault == Fault.DROP_AFTER_REQUEST || (fault == Fault.TRUNCATE && response.body.length < 2)) {
                count(Fault.DROP_AFTER_REQUEST);
                return;
            }
            if (fault == Fault.TRUNCATE) {
                count(fault);
                send(out, response, response.body.length / 2);
                return;
            }
            send(out, response, response.body.length);
            if ("close".equalsIgnoreCase(request.header("Connection"))) {
                return;
            }
        }
    }

    private void count(Fault fault) {
        injected.get(fault).increment();
    }

    private Fault decide(Head request) {
        double current = rate;
        if (current == 0) {
            return null;
        }
        String identity = request.startLine + " " + request.header("Range");
        long occurrence = seen.computeIfAbsent(identity, k -> new AtomicLong()).incrementAndGet();
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L
                ^ ((long) identity.hashCode() << 32) ^ occurrence);
        if (random.nextDouble() >= current) {
            return null;
        }
        return KINDS[random.nextInt(KINDS.length)];
    }

    private Response forward(Head request, byte[] body) throws IOException {
        try (Socket server = new Socket(upstream.getHost(), upstream.getPort())) {
            server.setSoTimeout(IDLE_TIMEOUT_MILLIS);
            OutputStream out = server.getOutputStream();
            StringBuilder head = new StringBuilder(request.startLine).append("\r\n");
            for (String[] h : request.headers) {
                // The proxy answered 100-continue itself; the body follows at once.
                if (!h[0].equalsIgnoreCase("Expect")) {
                    head.append(h[0]).append(": ").append(h[1]).append("\r\n");
                }
            }
            head.append("\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = new BufferedInputStream(server.getInputStream());
            Head response;
            do {
                response = readHead(in);
                if (response == null) {
                    throw new EOFException("upstream closed without an answer");
                }
            } while (response.startLine.matches("HTTP/1\\.[01] 1\\d\\d.*"));
            boolean noBody = request.method().equals("HEAD") || response.startLine.matches("HTTP/1\\.[01] (204|304).*");
            return new Response(response, noBody ? new byte[0] : readBody(in, response, true), noBody);
        }
    }

    private record Response(Head head, byte[] body, boolean noBody) {
    }

    /** Sends the answer with its full length declared, but only {@code bytes} of its body. */
    private static void send(OutputStream out, Response response, int bytes) throws IOException {
        StringBuilder head = new StringBuilder(response.head.startLine).append("\r\n");
        for (String[] h : response.head.headers) {
            String name = h[0].toLowerCase(Locale.ROOT);
            boolean framing = name.equals("transfer-encoding") || name.equals("connection") || name.equals("keep-alive")
                    || (name.equals("content-length") && !response.noBody);
            if (!framing) {
                head.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
        }
        if (!response.noBody) {
            head.append("Content-Length: ").append(response.body.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(response.body, 0, bytes);
        out.flush();
    }

    private static void sendError(OutputStream out, Head request, Fault fault) throws IOException {
        boolean slowDown = fault == Fault.SLOW_DOWN;
        String code = slowDown ? "SlowDown" : "InternalError";
        String message = slowDown ? "Please reduce your request rate." : "We encountered an internal error. Please try again.";
        String path = request.startLine.split(" ")[1];
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message><Resource>" + escape(path) + "</Resource><RequestId>fault-proxy</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        String status = slowDown ? "503 Slow Down" : "500 Internal Server Error";
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n")
                .append("Content-Type: application/xml\r\n")
                .append("x-amz-request-id: fault-proxy\r\n")
                .append("Content-Length: ").append(xml.length).append("\r\n")
                .append("Connection: close\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!request.method().equals("HEAD")) {
            out.write(xml);
        }
        out.flush();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    // ---- HTTP framing -----------------------------------------------------------------------

    /** A request or status line and its headers, in order. */
    private record Head(String startLine, List<String[]> headers) {
        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        String method() {
            return startLine.substring(0, Math.max(0, startLine.indexOf(' ')));
        }
    }

    /** The next message head, or null when the peer closed the connection between messages. */
    private static Head readHead(InputStream in) throws IOException {
        String start = readLine(in);
        if (start == null) {
            return null;
        }
        List<String[]> headers = new ArrayList<>();
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
            }
        }
        return new Head(start, headers);
    }

    /** A line without its CRLF, or null at end of stream before any byte. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        if (line.size() == 0) {
            return null;
        }
        throw new EOFException("connection closed mid-line");
    }

    /**
     * The message's body: by Content-Length, chunked (kept as sent for a request, decoded for an
     * answer, which is sent on with a Content-Length), or, for an answer without either, up to
     * the end of the connection.
     */
    private static byte[] readBody(InputStream in, Head head, boolean isResponse) throws IOException {
        String length = head.header("Content-Length");
        if ("chunked".equalsIgnoreCase(head.header("Transfer-Encoding"))) {
            return readChunked(in, !isResponse);
        }
        if (length != null) {
            return in.readNBytes(Math.toIntExact(Long.parseLong(length.trim())));
        }
        return isResponse ? in.readAllBytes() : new byte[0];
    }

    private static byte[] readChunked(InputStream in, boolean raw) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) {
                throw new EOFException("chunked body ended early");
            }
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (raw) {
                body.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            if (size == 0) {
                for (String trailer = readLine(in); trailer != null && !trailer.isEmpty(); trailer = readLine(in)) {
                    if (raw) {
                        body.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
                if (raw) {
                    body.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                return body.toByteArray();
            }
            byte[] data = in.readNBytes(size);
            if (data.length < size) {
                throw new EOFException("chunk ended early");
            }
            body.write(data);
            readLine(in);
            if (raw) {
                body.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public String toString() {
        return "FaultProxy[" + endpoint() + " -> " + upstream + ", rate " + rate + ", seed " + seed + "]";
    }
}
