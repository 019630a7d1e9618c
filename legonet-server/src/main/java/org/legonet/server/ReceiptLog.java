package org.legonet.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.legonet.core.StoreException;

/**
 * {@value #FILE} in the model directory: the receipts of completed forget requests, append-only,
 * each forced to disk, chained by hashes (see {@link Receipt}).
 */
final class ReceiptLog implements AutoCloseable {
    static final String FILE = "receipts.jsonl";
    /** The previous hash of the first receipt. */
    static final String GENESIS = "0".repeat(64);
    private static final String HASH_FIELD = ",\"hash\":\"";
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private final Map<String, Receipt> byRequest = new ConcurrentHashMap<>();
    private final FileChannel out;
    private int count;
    private String lastHash;

    private ReceiptLog(FileChannel out, List<Receipt> receipts) {
        this.out = out;
        for (Receipt r : receipts) {
            byRequest.put(r.requestId(), r);
        }
        this.count = receipts.size();
        this.lastHash = receipts.isEmpty() ? GENESIS : receipts.get(receipts.size() - 1).hash();
    }

    /** What reading the chain found. */
    record Check(List<Receipt> receipts, List<String> problems, boolean tornTail, long goodBytes) {
        boolean intact() {
            return problems.isEmpty();
        }
    }

    /**
     * Reads and checks the chain in {@code dir} without changing anything: every receipt's hash
     * against its bytes, the sequence numbers, the links, unique request ids. A problem names the
     * receipt. An incomplete last line (a crash while it was written) is reported apart.
     */
    static Check check(Path dir) {
        Path file = dir.resolve(FILE);
        byte[] all;
        try {
            all = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<Receipt> receipts = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Set<String> requests = new HashSet<>();
        String prev = GENESIS;
        int start = 0;
        int line = 0;
        long good = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue;
            }
            line++;
            String text = new String(all, start, i - start, StandardCharsets.UTF_8);
            start = i + 1;
            good = start;
            Receipt r = parse(text);
            String name = "receipt " + line + (r != null && r.requestId() != null ? " (request " + r.requestId() + ")" : "");
            if (r == null) {
                problems.add(name + " is not a receipt: the line is not the JSON a receipt is written as");
                prev = null;
                continue;
            }
            if (!r.hash().equals(hashOf(text))) {
                problems.add(name + " was altered: its content does not match its hash");
            }
            if (r.seq() != line) {
                problems.add(name + " has sequence number " + r.seq() + " at line " + line
                        + " (receipts were removed, added or reordered)");
            }
            if (prev != null && !prev.equals(r.prevHash())) {
                problems.add(name + " does not link to the receipt before it (prev_hash differs: receipts were "
                        + "removed, inserted or reordered, or the one before was altered)");
            }
            if (!requests.add(r.requestId())) {
                problems.add(name + " repeats a request that already has a receipt");
            }
            receipts.add(r);
            prev = r.hash();
        }
        return new Check(receipts, problems, start < all.length, good);
    }

    /** The receipt on one line (without its newline), or null when the line is not one. */
    private static Receipt parse(String text) {
        int at = text.lastIndexOf(HASH_FIELD);
        if (at < 0 || !text.endsWith("\"}")) {
            return null;
        }
        try {
            Receipt r = Json.MAPPER.readValue(text, Receipt.class);
            if (r.hash() == null || r.requestId() == null || r.prevHash() == null || !HEX64.matcher(r.hash()).matches()
                    || !text.substring(at + HASH_FIELD.length(), text.length() - 2).equals(r.hash())) {
                return null;
            }
            return r;
        } catch (IOException e) {
            return null;
        }
    }

    /** SHA-256 of a receipt's line with its trailing {@code "hash"} field taken out. */
    private static String hashOf(String line) {
        String body = line.substring(0, line.lastIndexOf(HASH_FIELD)) + "}";
        return Sha256.hex(body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Opens the chain for appending. An incomplete last line is cut off (its receipt is written
     * again by recovery); a chain that fails its check is refused, naming the first problem.
     */
    static ReceiptLog open(Path dir) {
        Check c = check(dir);
        Path file = dir.resolve(FILE);
        if (!c.intact()) {
            throw new StoreException(file + ": " + c.problems().get(0) + "; the service will not extend a broken "
                    + "chain (run 'legonet audit --model " + dir + "')");
        }
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (c.tornTail()) {
                ch.truncate(c.goodBytes());
                ch.force(true);
            }
            ch.position(c.goodBytes());
            return new ReceiptLog(ch, c.receipts());
        } catch (IOException e) {
            throw new StoreException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Rewrites the id hashes of every receipt in {@code dir} by {@code keyed} (unkeyed hash to keyed
     * hash) and chains the receipts again, replacing the file atomically (temporary file, fsync,
     * rename). A hash that is already one of {@code keyed}'s values stays as it is, so that an
     * interrupted rekey can run again. An incomplete last line is dropped, as {@link #open} drops it
     * (recovery writes that receipt again, with keyed hashes).
     *
     * @return the number of id hashes rewritten
     * @throws StoreException  when the chain is broken (nothing is written)
     * @throws org.legonet.core.LegoNetException when a hash is in neither side of {@code keyed},
     *                         naming how many (nothing is written)
     */
    static int rekey(Path dir, Map<String, String> keyed) {
        Check c = check(dir);
        Path file = dir.resolve(FILE);
        if (!c.intact()) {
            throw new StoreException(file + ": " + c.problems().get(0) + "; rekey does not rewrite a broken chain "
                    + "(run 'legonet audit --model " + dir + "')");
        }
        Set<String> done = new HashSet<>(keyed.values());
        int rewritten = 0;
        int unknown = 0;
        List<Receipt> next = new ArrayList<>();
        for (Receipt r : c.receipts()) {
            if (r.idHashes() == null) {
                next.add(r);
                continue;
            }
            List<String> hashes = new ArrayList<>();
            for (String h : r.idHashes()) {
                String k = keyed.get(h);
                if (k != null) {
                    rewritten++;
                } else if (!done.contains(h)) {
                    unknown++;
                }
                hashes.add(k != null ? k : h);
            }
            next.add(r.withIdHashes(hashes));
        }
        if (unknown > 0) {
            throw new org.legonet.core.LegoNetException(unknown + " id hash" + (unknown == 1 ? " of the receipts matches"
                    : "es of the receipts match") + " no id of the data given; nothing was written (give the data "
                    + "the model was trained on and added to)");
        }
        if (rewritten == 0 && !c.tornTail()) {
            return 0;
        }
        StringBuilder text = new StringBuilder();
        String prev = GENESIS;
        for (Receipt r : next) {
            String line = line(r.chained(r.seq(), prev, null));
            text.append(line);
            prev = line.substring(line.lastIndexOf(HASH_FIELD) + HASH_FIELD.length(), line.length() - 3);
        }
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new StoreException("cannot rewrite " + file + ": " + e.getMessage() + " (it is unchanged or "
                    + "rewritten whole)", e);
        }
        return rewritten;
    }

    /** The line (with its newline) of {@code body}, whose seq and prev_hash are set: its JSON with its hash last. */
    private static String line(Receipt body) {
        String json = Json.string(body);
        String hash = Sha256.hex(json.getBytes(StandardCharsets.UTF_8));
        return json.substring(0, json.length() - 1) + HASH_FIELD + hash + "\"}\n";
    }

    /**
     * Chains {@code unsigned} (its seq, prev_hash and hash are filled in), appends it and forces it
     * to disk. Returns the receipt as written.
     */
    synchronized Receipt append(Receipt unsigned) throws IOException {
        Receipt body = unsigned.chained(count + 1, lastHash, null);
        String line = line(body);
        String hash = line.substring(line.lastIndexOf(HASH_FIELD) + HASH_FIELD.length(), line.length() - 3);
        ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        long at = out.position();
        try {
            while (b.hasRemaining()) {
                out.write(b);
            }
            out.force(true);
        } catch (IOException e) {
            // leave no partial line for the next receipt to follow
            out.truncate(at);
            out.position(at);
            throw e;
        }
        Receipt r = body.chained(count + 1, lastHash, hash);
        count++;
        lastHash = hash;
        byRequest.put(r.requestId(), r);
        return r;
    }

    /** The receipt of {@code requestId}, or null. */
    Receipt get(String requestId) {
        return byRequest.get(requestId);
    }

    synchronized int count() {
        return count;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // every receipt was forced when it was written
        }
    }
}
