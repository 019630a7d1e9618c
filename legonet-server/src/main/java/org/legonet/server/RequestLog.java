package org.legonet.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.legonet.core.StoreException;

/**
 * The write-ahead log of requests (forgets and adds), {@value #FILE} in the model directory: one
 * JSON line per accepted request, forced to disk before the request is acknowledged. Each line
 * ends with a {@code "sha256"} field, the SHA-256 of the line without it, so that a damaged line (a
 * changed id would forget the wrong sample) is never taken for a request. Lines of finished requests
 * are removed by rewriting the log atomically (temporary file, fsync, rename, fsync of the
 * directory), so plaintext ids and added samples do not outlive their request.
 *
 * <p><b>Group commit.</b> Writing a line ({@link #write}) and making it durable ({@link #sync}) are
 * two steps: the service writes under its accept lock, then waits outside it for an fsync that
 * covers the line. While one fsync runs, the lines of other requests are written, and the next
 * fsync makes all of them durable at once; no request is acknowledged before its line is on disk.
 * The service serialises writes and compactions; {@link #sync} may be called from any thread.
 */
final class RequestLog implements AutoCloseable {
    static final String FILE = "requests.wal";
    private static final String SHA_FIELD = ",\"sha256\":\"";
    private static final java.util.regex.Pattern HEX64 = java.util.regex.Pattern.compile("[0-9a-f]{64}");
    private final Path file;
    private final FaultInjector faults;
    /** The lines of the requests still in the log, in log order. */
    private final Map<String, byte[]> lines = new LinkedHashMap<>();
    private final List<LoggedRequest> recovered = new ArrayList<>();
    private final boolean droppedTornLine;
    private FileChannel out;
    /** Guards forcing and replacing {@link #out}: one fsync at a time, never during a compaction. */
    private final Object syncLock = new Object();
    /** Lines written since opening (positions 1..written); the writer advances it after each whole line. */
    private volatile long written;
    /** Lines known to be on disk (guarded by {@link #syncLock}). */
    private long durable;
    private final java.util.concurrent.atomic.AtomicLong records = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong fsyncs = new java.util.concurrent.atomic.AtomicLong();

    private RequestLog(Path file, FaultInjector faults, boolean droppedTornLine) {
        this.file = file;
        this.faults = faults;
        this.droppedTornLine = droppedTornLine;
    }

    /**
     * Opens the log of {@code dir}, creating it if needed. An incomplete last line (a crash while
     * it was written, so never acknowledged), or a last line that fails its checksum (garbage a
     * power loss can leave where the line was never forced), is cut off and reported by
     * {@link #droppedTornLine()}; any other unreadable line is an error naming it.
     */
    static RequestLog open(Path dir, FaultInjector faults) {
        Path file = dir.resolve(FILE);
        try {
            Files.deleteIfExists(dir.resolve(FILE + ".tmp"));
            byte[] all = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
            List<byte[]> complete = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == '\n') {
                    complete.add(java.util.Arrays.copyOfRange(all, start, i + 1));
                    start = i + 1;
                }
            }
            boolean torn = start < all.length;
            List<LoggedRequest> parsed = new ArrayList<>();
            for (int i = 0; i < complete.size(); i++) {
                LoggedRequest r = parse(complete.get(i));
                if (r == null && unchecked(complete.get(i))) {
                    throw new StoreException("request log " + file + " line " + (i + 1) + " has no checksum: it was "
                            + "written by an older LegoNet; let that version's service finish the requests in it");
                }
                if (r == null) {
                    if (i == complete.size() - 1) {
                        // a last line that was never forced can hold garbage after a power loss
                        torn = true;
                        complete.remove(i);
                        break;
                    }
                    throw new StoreException("request log " + file + " line " + (i + 1) + " is corrupted; the "
                            + "requests in it cannot be recovered automatically");
                }
                parsed.add(r);
            }
            RequestLog log = new RequestLog(file, faults, torn);
            long good = 0;
            for (int i = 0; i < parsed.size(); i++) {
                LoggedRequest r = parsed.get(i);
                String problem = r.problem();
                if (problem != null) {
                    throw new StoreException("request log " + file + " line " + (i + 1) + " " + problem);
                }
                log.lines.put(r.requestId(), complete.get(i));
                log.recovered.add(r);
                good += complete.get(i).length;
            }
            log.out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (torn) {
                log.out.truncate(good);
                log.out.force(true);
            }
            log.out.position(good);
            return log;
        } catch (IOException e) {
            throw new StoreException("cannot open the request log " + file + ": " + e.getMessage(), e);
        }
    }

    /** One line of the log as written: the request's JSON with its checksum as the last field. */
    static byte[] line(LoggedRequest r) {
        String json = Json.string(r);
        String sha = Sha256.hex(json.getBytes(StandardCharsets.UTF_8));
        return (json.substring(0, json.length() - 1) + SHA_FIELD + sha + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The request on a line (with its newline), or null when the line is not one with a matching checksum. */
    private static LoggedRequest parse(byte[] line) {
        String text = new String(line, 0, line.length - 1, StandardCharsets.UTF_8);
        int at = text.lastIndexOf(SHA_FIELD);
        if (at < 0 || !text.endsWith("\"}") || at + SHA_FIELD.length() > text.length() - 2) {
            return null;
        }
        String sha = text.substring(at + SHA_FIELD.length(), text.length() - 2);
        String body = text.substring(0, at) + "}";
        if (!HEX64.matcher(sha).matches() || !Sha256.hex(body.getBytes(StandardCharsets.UTF_8)).equals(sha)) {
            return null;
        }
        try {
            return Json.MAPPER.readValue(body, LoggedRequest.class);
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether a line is a whole request without the checksum field (as LegoNet 0.1.0 wrote them). */
    private static boolean unchecked(byte[] line) {
        String text = new String(line, StandardCharsets.UTF_8);
        if (text.contains(SHA_FIELD)) {
            return false;
        }
        try {
            return Json.MAPPER.readValue(text, LoggedRequest.class).requestId() != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** The requests found in the log when it was opened, in log order. */
    List<LoggedRequest> recovered() {
        return List.copyOf(recovered);
    }

    /** Whether opening cut off an incomplete last line. */
    boolean droppedTornLine() {
        return droppedTornLine;
    }

    /** Requests in the log now. */
    int size() {
        return lines.size();
    }

    /**
     * Writes {@code r}'s line after the others, not yet forced to disk, and returns its position
     * in the log (1, 2, ...). The request is durable once {@link #sync} has covered that position.
     * The caller serialises writes (and compactions).
     */
    long write(LoggedRequest r) throws IOException {
        byte[] line = line(r);
        ByteBuffer b = ByteBuffer.wrap(line);
        while (b.hasRemaining()) {
            out.write(b);
        }
        lines.put(r.requestId(), line);
        records.incrementAndGet();
        written = written + 1;
        return written;
    }

    /**
     * Group commit: returns once every line up to {@code position} is on disk. A thread that finds
     * another's fsync already covering its line returns at once; otherwise it forces everything
     * written so far, so that the lines of all the requests that arrived while the previous fsync
     * ran share this one. Returns the position now durable (at least {@code position}).
     */
    long sync(long position) throws IOException {
        synchronized (syncLock) {
            if (durable >= position) {
                return durable;
            }
            long target = written;
            faults.at(FaultInjector.WAL_WRITTEN);
            out.force(true);
            fsyncs.incrementAndGet();
            durable = target;
            return target;
        }
    }

    /** Writes {@code r} and waits until it is durable: {@link #write} then {@link #sync}. */
    void append(LoggedRequest r) throws IOException {
        sync(write(r));
    }

    /**
     * Drops the line of {@code requestId}, whose fsync failed (the request was not acknowledged):
     * the next compaction leaves it out of the file.
     */
    void forget(String requestId) {
        lines.remove(requestId);
    }

    /** Request lines written since the log was opened. */
    long records() {
        return records.get();
    }

    /** fsyncs of the log since it was opened (one per group of lines that became durable together). */
    long fsyncs() {
        return fsyncs.get();
    }

    /** Removes the lines of {@code requestIds}, rewriting the log atomically. */
    void remove(Collection<String> requestIds) throws IOException {
        boolean changed = false;
        for (String id : requestIds) {
            changed |= lines.remove(id) != null;
        }
        if (!changed) {
            return;
        }
        synchronized (syncLock) {
            compact();
        }
    }

    /** Rewrites the log with {@link #lines} only; every line written so far is durable after it. */
    private void compact() throws IOException {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        long size = 0;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (byte[] line : lines.values()) {
                ByteBuffer b = ByteBuffer.wrap(line);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                size += line.length;
            }
            ch.force(true);
        }
        faults.at(FaultInjector.WAL_COMPACT_WRITTEN);
        out.close();
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename " + tmp + " atomically", e);
        } finally {
            out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            out.position(out.size());
        }
        syncDirectory(file.getParent());
        if (out.size() != size) {
            throw new IOException("request log " + file + " holds " + out.size() + " bytes after compaction, expected " + size);
        }
        durable = written;
        faults.at(FaultInjector.WAL_COMPACTED);
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // every acknowledged line was forced when it was written
        }
    }
}
