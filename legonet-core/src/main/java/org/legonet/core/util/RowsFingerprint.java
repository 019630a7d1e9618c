package org.legonet.core.util;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;

/**
 * The fingerprint of a sequence of samples ({@code Dataset.fingerprint()}), fed one value at a time
 * so that it can be computed from data that is never held in memory whole (a model directory's raw
 * chunks). SHA-256 over, little-endian: int rows, int shape length, int[] shape; then (long id,
 * int label) of every row in order; then every feature of every row in order, as float32 bits. A
 * caller feeds all ids and labels before the first feature.
 */
public final class RowsFingerprint {
    private final MessageDigest md = Digests.sha256();
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    /** Starts the fingerprint of {@code rows} samples of layout {@code sampleShape}. */
    public RowsFingerprint(int rows, int[] sampleShape) {
        ByteBuffer head = ByteBuffer.allocate(8 + 4 * sampleShape.length).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(rows).putInt(sampleShape.length);
        for (int s : sampleShape) {
            head.putInt(s);
        }
        md.update(head.array(), 0, head.position());
    }

    /** The next row's id and label. */
    public void row(long id, int label) {
        if (buf.remaining() < 12) {
            flush();
        }
        buf.putLong(id).putInt(label);
    }

    /** The next feature value. */
    public void feature(float f) {
        if (buf.remaining() < 4) {
            flush();
        }
        buf.putFloat(f);
    }

    /** The features {@code values[from .. to-1]}, in order. */
    public void features(float[] values, int from, int to) {
        for (int i = from; i < to; i++) {
            feature(values[i]);
        }
    }

    /** The fingerprint, as 64 lowercase hex digits; feed nothing after this. */
    public String finish() {
        flush();
        return Digests.hex(md.digest());
    }

    private void flush() {
        md.update(buf.array(), 0, buf.position());
        buf.clear();
    }
}
