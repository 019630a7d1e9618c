package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.legonet.core.StoreException;

/**
 * Random damage to the service's two logs in a model directory: a truncation, a bit flip or an
 * edit of one JSON key (removed, renamed, nulled or given another value).
 *
 * <ul>
 *   <li>{@code requests.wal} (forgets and an add): opening it either fails with a one-line {@link StoreException}, or
 *       recovers an undamaged prefix of the requests exactly as they were accepted (the documented
 *       torn-tail recovery: a damaged or incomplete last line is dropped), never a changed request;
 *       the recovered log then takes a new request.</li>
 *   <li>{@code receipts.jsonl}: the chain check names a problem (and opening for append refuses,
 *       in one line), or the chain holds an undamaged prefix of the receipts (an incomplete last
 *       line is cut off); the recovered chain then takes a new receipt.</li>
 * </ul>
 */
class LogFuzzProperties {
    private static Path root;
    private static byte[] wal;
    private static List<LoggedRequest> requests;
    private static byte[] chain;
    private static List<Receipt> receipts;
    private static int next;

    private static synchronized void setUp() {
        if (root != null) {
            return;
        }
        try {
            root = Files.createTempDirectory("legonet-log-fuzz");
            Path dir = Files.createDirectories(root.resolve("pristine"));
            requests = List.of(
                    new LoggedRequest("r-1", "2026-01-01T00:00:00Z", new long[] {3, 17, 123456789}, null),
                    new LoggedRequest("r-2", "2026-01-01T00:00:01Z", null, 4),
                    new LoggedRequest("r-3", "2026-01-01T00:00:02Z", new long[] {42}, null),
                    new LoggedRequest("r-4", "2026-01-01T00:00:03Z", new long[] {5, 6}, null),
                    LoggedRequest.add("r-5", "2026-01-01T00:00:04Z", new long[] {77, 78}, new int[] {1, 0},
                            new float[] {0.5f, -1.25f, 3f, 1e-7f}, true));
            try (RequestLog log = RequestLog.open(dir, FaultInjector.NONE)) {
                for (LoggedRequest r : requests) {
                    log.append(r);
                }
            }
            wal = Files.readAllBytes(dir.resolve(RequestLog.FILE));
            List<Receipt> written = new ArrayList<>();
            try (ReceiptLog log = ReceiptLog.open(dir)) {
                for (int i = 1; i <= 3; i++) {
                    written.add(log.append(receipt("r-" + i, i)));
                }
            }
            receipts = List.copyOf(written);
            chain = Files.readAllBytes(dir.resolve(ReceiptLog.FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Receipt receipt(String request, int commit) {
        String d = String.valueOf((char) ('a' + commit)).repeat(64);
        return new Receipt(0, request, "ids", null, List.of("0123456789abcdef0123456789abcdef"), 1, 0, null, commit, 1,
                List.of(1, 3), "f".repeat(64), d, "2026-01-01T00:00:00Z", null, "2026-01-01T00:00:05Z", null, null);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        if (root != null) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static synchronized Path fresh(String file, byte[] bytes) throws IOException {
        Path dir = Files.createDirectories(root.resolve("try-" + next++));
        Files.write(dir.resolve(file), bytes);
        return dir;
    }

    /** Truncated ({@code kind} 0), one bit flipped (1) or one key of one line edited (2). */
    private static byte[] damage(byte[] b, int kind, int at, int bit, int edit) {
        if (kind == 0) {
            return Arrays.copyOf(b, Math.floorMod(at, b.length));
        }
        if (kind == 1) {
            byte[] out = b.clone();
            out[Math.floorMod(at, out.length)] ^= (byte) (1 << bit);
            return out;
        }
        String[] lines = new String(b, StandardCharsets.UTF_8).split("\n");
        int line = Math.floorMod(at, lines.length);
        try {
            ObjectNode o = (ObjectNode) Json.MAPPER.readTree(lines[line]);
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            String key = keys.get(Math.floorMod(at / 7 + bit, keys.size()));
            JsonNode old = o.get(key);
            switch (Math.floorMod(edit, 6)) {
                case 0 -> o.remove(key);
                case 1 -> {
                    o.remove(key);
                    o.set(key + "_", old);
                }
                case 2 -> o.putNull(key);
                case 3 -> o.put(key, old.isNumber() ? old.asLong() + 1 : 7);
                case 4 -> o.put(key, old.isTextual() ? old.asText().replaceFirst(".", "9") : "x");
                default -> o.set(key, o.arrayNode().add(1));
            }
            lines[line] = o.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void assertSame(LoggedRequest a, LoggedRequest b) {
        assertThat(a.requestId()).isEqualTo(b.requestId());
        assertThat(a.received()).isEqualTo(b.received());
        assertThat(a.ids()).isEqualTo(b.ids());
        assertThat(a.forgetClass()).isEqualTo(b.forgetClass());
        assertThat(a.kind()).isEqualTo(b.kind());
        assertThat(a.labels()).isEqualTo(b.labels());
        assertThat(a.features()).isEqualTo(b.features());
        assertThat(a.readdForgotten()).isEqualTo(b.readdForgotten());
    }

    @Property(tries = 200)
    void aDamagedRequestLogIsRefusedOrRecoversAnUndamagedPrefix(@ForAll @IntRange(min = 0, max = 2) int kind,
                                                                @ForAll int at,
                                                                @ForAll @IntRange(min = 0, max = 7) int bit,
                                                                @ForAll int edit) throws IOException {
        setUp();
        byte[] damaged = damage(wal, kind, at, bit, edit);
        Path dir = fresh(RequestLog.FILE, damaged);
        List<LoggedRequest> got;
        try (RequestLog log = RequestLog.open(dir, FaultInjector.NONE)) {
            got = log.recovered();
            assertThat(got.size()).isLessThanOrEqualTo(requests.size());
            for (int i = 0; i < got.size(); i++) {
                assertSame(got.get(i), requests.get(i));
            }
            if (got.size() < requests.size() && kind != 0) {
                assertThat(log.droppedTornLine()).as("a request lost to damage is reported").isTrue();
            }
            log.append(new LoggedRequest("r-new", "2026-01-02T00:00:00Z", new long[] {9}, null));
        } catch (StoreException e) {
            assertThat(e.getMessage()).doesNotContain("\n").contains(RequestLog.FILE);
            return;
        }
        try (RequestLog again = RequestLog.open(dir, FaultInjector.NONE)) {
            assertThat(again.droppedTornLine()).isFalse();
            assertThat(again.recovered()).hasSize(got.size() + 1);
            assertThat(again.recovered().get(got.size()).requestId()).isEqualTo("r-new");
        }
    }

    @Example
    void aLineWithoutItsChecksumIsRefusedNotDropped() throws IOException {
        setUp();
        // as the previous version wrote a request: the JSON alone
        byte[] legacy = (Json.string(requests.get(0)) + "\n").getBytes(StandardCharsets.UTF_8);
        Path dir = fresh(RequestLog.FILE, legacy);
        assertThatThrownBy(() -> RequestLog.open(dir, FaultInjector.NONE)).isInstanceOf(StoreException.class)
                .hasMessageContaining("line 1 has no checksum").hasMessageContaining("older LegoNet");
        assertThat(Files.readAllBytes(dir.resolve(RequestLog.FILE))).isEqualTo(legacy);
    }

    @Property(tries = 150)
    void aDamagedReceiptChainIsNamedOrIsAnUndamagedPrefix(@ForAll @IntRange(min = 0, max = 2) int kind,
                                                          @ForAll int at,
                                                          @ForAll @IntRange(min = 0, max = 7) int bit,
                                                          @ForAll int edit) throws IOException {
        setUp();
        byte[] damaged = damage(chain, kind, at, bit, edit);
        Path dir = fresh(ReceiptLog.FILE, damaged);
        ReceiptLog.Check c = ReceiptLog.check(dir);
        if (!c.intact()) {
            assertThat(c.problems()).allSatisfy(p -> assertThat(p).doesNotContain("\n"));
            assertThatThrownBy(() -> ReceiptLog.open(dir)).isInstanceOf(StoreException.class)
                    .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n").contains(ReceiptLog.FILE));
            return;
        }
        assertThat(c.receipts().size()).isLessThanOrEqualTo(receipts.size());
        assertThat(c.receipts()).isEqualTo(receipts.subList(0, c.receipts().size()));
        if (kind != 0) {
            assertThat(c.receipts().size() + (c.tornTail() ? 1 : 0)).as("only a torn last line is cut")
                    .isEqualTo(receipts.size());
        }
        try (ReceiptLog log = ReceiptLog.open(dir)) {
            log.append(receipt("r-new", 9));
        }
        ReceiptLog.Check after = ReceiptLog.check(dir);
        assertThat(after.intact()).isTrue();
        assertThat(after.tornTail()).isFalse();
        assertThat(after.receipts()).hasSize(c.receipts().size() + 1);
    }
}
