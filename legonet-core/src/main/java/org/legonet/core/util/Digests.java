package org.legonet.core.util;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 helpers: digests of float arrays by their exact bits, and hex encoding. */
public final class Digests {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Digests() {
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    public static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[bytes[i] & 0xF];
        }
        return new String(out);
    }

    public static String sha256Hex(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    /** Feeds the exact bits of {@code values} (little-endian) into {@code md}. */
    public static void update(MessageDigest md, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * Math.min(values.length, 1 << 14)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (!buf.hasRemaining()) {
                md.update(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putFloat(v);
        }
        md.update(buf.array(), 0, buf.position());
    }

    /** Feeds {@code values} (little-endian) into {@code md}. */
    public static void update(MessageDigest md, long... values) {
        ByteBuffer buf = ByteBuffer.allocate(8 * Math.max(1, Math.min(values.length, 1 << 13))).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            if (!buf.hasRemaining()) {
                md.update(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putLong(v);
        }
        md.update(buf.array(), 0, buf.position());
    }

    /** Feeds {@code values} (little-endian) into {@code md}. */
    public static void update(MessageDigest md, int... values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * Math.max(1, Math.min(values.length, 1 << 14))).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            if (!buf.hasRemaining()) {
                md.update(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putInt(v);
        }
        md.update(buf.array(), 0, buf.position());
    }

    /** Feeds the UTF-8 bytes of {@code s}, prefixed by their length, into {@code md}. */
    public static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        update(md, b.length);
        md.update(b);
    }
}
