package dev.s3backup.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A JUnit XML report (the "Ant" schema that Jenkins, GitLab, GitHub Actions test reporters and
 * CircleCI read): one suite, one test case per checked thing, so a CI shows a verification or a
 * drill as tests that pass or fail, with the reason as the failure message.
 */
final class JUnitXml {
    enum Status { PASSED, FAILED, ERROR, SKIPPED }

    private record Case(String classname, String name, Duration time, Status status, String message, String type,
                        String body, String systemOut) {
    }

    private final String suite;
    private final Instant timestamp;
    private final String hostname;
    private final Map<String, String> properties;
    private final List<Case> cases = new ArrayList<>();

    JUnitXml(String suite, Instant timestamp, String hostname, Map<String, String> properties) {
        this.suite = suite;
        this.timestamp = timestamp;
        this.hostname = hostname;
        this.properties = properties;
    }

    /**
     * @param message one line for the failure, error or skip; ignored when passed
     * @param type a short word for the kind of failure (e.g. "missing-chunk", "check-failed")
     * @param body the full detail of the failure
     * @param systemOut output captured while the case ran (a check command's), or null
     */
    JUnitXml add(String classname, String name, Duration time, Status status, String message, String type,
                 String body, String systemOut) {
        cases.add(new Case(classname, name, time == null ? Duration.ZERO : time, status, message, type, body, systemOut));
        return this;
    }

    String write() {
        long failures = cases.stream().filter(c -> c.status() == Status.FAILED).count();
        long errors = cases.stream().filter(c -> c.status() == Status.ERROR).count();
        long skipped = cases.stream().filter(c -> c.status() == Status.SKIPPED).count();
        String total = seconds(cases.stream().map(Case::time).reduce(Duration.ZERO, Duration::plus));
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<testsuites name=\"").append(attr(suite)).append("\" tests=\"").append(cases.size())
                .append("\" failures=\"").append(failures).append("\" errors=\"").append(errors)
                .append("\" skipped=\"").append(skipped).append("\" time=\"").append(total).append("\">\n");
        sb.append("  <testsuite name=\"").append(attr(suite)).append("\" tests=\"").append(cases.size())
                .append("\" failures=\"").append(failures).append("\" errors=\"").append(errors)
                .append("\" skipped=\"").append(skipped).append("\" time=\"").append(total)
                .append("\" timestamp=\"").append(timestamp.truncatedTo(ChronoUnit.SECONDS).toString().replace("Z", ""))
                .append("\" hostname=\"").append(attr(hostname)).append("\">\n");
        if (!properties.isEmpty()) {
            sb.append("    <properties>\n");
            properties.forEach((k, v) -> sb.append("      <property name=\"").append(attr(k)).append("\" value=\"")
                    .append(attr(v == null ? "" : v)).append("\"/>\n"));
            sb.append("    </properties>\n");
        }
        for (Case c : cases) {
            sb.append("    <testcase classname=\"").append(attr(c.classname())).append("\" name=\"").append(attr(c.name()))
                    .append("\" time=\"").append(seconds(c.time())).append('"');
            if (c.status() == Status.PASSED && c.systemOut() == null) {
                sb.append("/>\n");
                continue;
            }
            sb.append(">\n");
            switch (c.status()) {
                case FAILED, ERROR -> {
                    String tag = c.status() == Status.FAILED ? "failure" : "error";
                    sb.append("      <").append(tag).append(" message=\"").append(attr(c.message())).append('"');
                    if (c.type() != null) {
                        sb.append(" type=\"").append(attr(c.type())).append('"');
                    }
                    sb.append('>').append(text(c.body() == null ? c.message() : c.body())).append("</").append(tag).append(">\n");
                }
                case SKIPPED -> sb.append("      <skipped message=\"").append(attr(c.message())).append("\"/>\n");
                case PASSED -> { }
            }
            if (c.systemOut() != null) {
                sb.append("      <system-out>").append(text(c.systemOut())).append("</system-out>\n");
            }
            sb.append("    </testcase>\n");
        }
        sb.append("  </testsuite>\n</testsuites>\n");
        return sb.toString();
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    static String attr(String s) {
        return escape(s == null ? "" : s, true);
    }

    static String text(String s) {
        return escape(s == null ? "" : s, false);
    }

    /** XML-escapes, and replaces characters XML 1.0 cannot hold at all (a check's binary output). */
    private static String escape(String s, boolean attribute) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append(attribute ? "&quot;" : "\"");
                case '\n' -> sb.append(attribute ? "&#10;" : "\n");
                case '\r' -> sb.append(attribute ? "&#13;" : "\r");
                case '\t' -> sb.append(attribute ? "&#9;" : "\t");
                default -> {
                    boolean valid = c >= 0x20 && c != 0xFFFE && c != 0xFFFF
                            && (!Character.isSurrogate(c) || (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) || (Character.isLowSurrogate(c) && i > 0
                            && Character.isHighSurrogate(s.charAt(i - 1))));
                    sb.append(valid ? c : '\uFFFD');
                }
            }
        }
        return sb.toString();
    }
}
