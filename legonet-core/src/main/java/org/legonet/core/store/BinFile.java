package org.legonet.core.store;

import org.legonet.core.StoreException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.legonet.core.util.Digests;

/**
 * The envelope of every binary file in a model store: the 8-byte magic {@code LEGONET\0}, a 4-byte
 * kind ({@code ENCD} encoder, {@code KEYS}, {@code ADPT} adapter, {@code ENCS} encodings chunk,
 * {@code RAWS} raw-samples chunk), then the payload. The manifest records each file's SHA-256, and
 * every read checks it.
 */
final class BinFile {
    static final byte[] MAGIC = "LEGONET\0".getBytes(StandardCharsets.US_ASCII);
    static final String ENCODER = "ENCD";
    static final String KEYS = "KEYS";
    static final String ADAPTER = "ADPT";
    static final String ENCODINGS = "ENCS";
    static final String RAW = "RAWS";

    private BinFile() {
    }

    static byte[] wrap(String kind, byte[] payload) {
        byte[] out = new byte[12 + payload.length];
        System.arraycopy(MAGIC, 0, out, 0, 8);
        System.arraycopy(kind.getBytes(StandardCharsets.US_ASCII), 0, out, 8, 4);
        System.arraycopy(payload, 0, out, 12, payload.length);
        return out;
    }

    static String sha256(byte[] fileBytes) {
        return Digests.sha256Hex(fileBytes);
    }

    /**
     * Reads a file, checks its SHA-256 against the manifest's and its kind, and returns the payload.
     *
     * @throws StoreException naming the file and what is wrong with it
     */
    static byte[] read(Path dir, String name, String kind, String expectedSha256) {
        Path file = dir.resolve(name);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new StoreException("model file " + name + " is missing from " + dir);
        } catch (IOException e) {
            throw new StoreException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length < 12 || !Arrays.equals(Arrays.copyOf(bytes, 8), MAGIC)) {
            throw new StoreException("model file " + name + " is not a LegoNet file (foreign or overwritten)");
        }
        String found = new String(bytes, 8, 4, StandardCharsets.US_ASCII);
        if (!found.equals(kind)) {
            throw new StoreException("model file " + name + " holds " + found + " data where " + kind + " was expected");
        }
        if (expectedSha256 != null && !sha256(bytes).equals(expectedSha256)) {
            throw new StoreException("model file " + name + " is corrupted: its SHA-256 does not match the manifest");
        }
        return Arrays.copyOfRange(bytes, 12, bytes.length);
    }
}
