package org.legonet.core.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** File plumbing shared by the readers: opening (gzip or plain), bulk reads and one-line errors. */
final class DataFiles {
    static final int BUFFER = 1 << 16;
    private static final int FIRST_CHUNK = 1 << 20;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private DataFiles() {
    }

    /**
     * Opens {@code file} for reading, decompressing it when it starts with the gzip magic bytes
     * 0x1f 0x8b, whatever its name.
     */
    static InputStream open(Path file) {
        if (Files.isDirectory(file)) {
            throw error(file, "is a directory, expected a file");
        }
        if (!Files.exists(file)) {
            throw error(file, "no such file");
        }
        try {
            return decompressing(Files.newInputStream(file));
        } catch (IOException e) {
            throw ioError(file, e);
        }
    }

    /**
     * {@code raw}, buffered, and decompressed when it starts with the gzip magic bytes 0x1f 0x8b;
     * closes {@code raw} if that check fails.
     */
    static InputStream decompressing(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return new GZIPInputStream(in, BUFFER);
            }
            return in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Reads up to {@code n} bytes, fewer only at the end of the stream. The buffer grows as data
     * arrives, so a corrupt header announcing gigabytes costs no more memory than the file holds.
     */
    static byte[] readUpTo(InputStream in, long n) throws IOException {
        if (n > MAX_ARRAY) {
            throw new IllegalArgumentException("cannot read " + n + " bytes into one array");
        }
        int want = (int) n;
        byte[] buf = new byte[Math.min(want, FIRST_CHUNK)];
        int filled = 0;
        while (filled < want) {
            if (filled == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(want, 2L * buf.length));
            }
            int got = in.read(buf, filled, buf.length - filled);
            if (got < 0) {
                break;
            }
            filled += got;
        }
        return filled == buf.length ? buf : Arrays.copyOf(buf, filled);
    }

    /** Counts (and discards) whatever remains in the stream. */
    static long countRemaining(InputStream in) throws IOException {
        byte[] sink = new byte[BUFFER];
        long total = 0;
        int got;
        while ((got = in.read(sink)) >= 0) {
            total += got;
        }
        return total;
    }

    /** Whether a {@code bytes}-long payload fits in one Java array. */
    static boolean fitsInArray(long bytes) {
        return bytes <= MAX_ARRAY;
    }

    static DataException error(Path file, String problem) {
        return error(file.toString(), problem);
    }

    /** A one-line error about the file {@code source} names (a path or a URI). */
    static DataException error(String source, String problem) {
        return new DataException(oneLine(source + ": " + problem));
    }

    static DataException ioError(Path file, IOException e) {
        return ioError(file.toString(), e);
    }

    /** A one-line error for a failed read of the file {@code source} names (a path or a URI). */
    static DataException ioError(String source, IOException e) {
        String problem;
        if (e instanceof NoSuchFileException) {
            problem = "no such file";
        } else if (e instanceof AccessDeniedException) {
            problem = "permission denied";
        } else if (e instanceof ZipException) {
            problem = "corrupt gzip data (" + e.getMessage() + ")";
        } else if (e instanceof EOFException) {
            problem = "unexpected end of compressed data";
        } else {
            problem = "cannot read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
        }
        return new DataException(oneLine(source + ": " + problem), e);
    }

    /** {@code s} with every line break replaced by a space, so messages stay on one line. */
    static String oneLine(String s) {
        return s.replaceAll("\\R", " ");
    }

    /** The hex form of the first {@code n} bytes, for messages about foreign files. */
    static String hex(byte[] bytes, int n) {
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < Math.min(n, bytes.length); i++) {
            sb.append(String.format("%02X", bytes[i] & 0xFF));
        }
        return sb.toString();
    }

    /**
     * The row a flat index falls in, for messages: C order stores rows one after another, Fortran
     * order varies the first (row) index fastest.
     */
    static long rowOf(long index, int[] shape, boolean fortranOrder) {
        if (shape.length == 0 || shape[0] == 0) {
            return 0;
        }
        if (fortranOrder) {
            return index % shape[0];
        }
        long rowSize = 1;
        for (int i = 1; i < shape.length; i++) {
            rowSize *= shape[i];
        }
        return rowSize == 0 ? 0 : index / rowSize;
    }

    /** "NaN", "Infinity" or "-Infinity", for messages about a non-finite value. */
    static String describeNonFinite(double v) {
        return Double.isNaN(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
    }
}
