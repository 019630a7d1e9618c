package org.legonet.core.adapter;

import java.security.MessageDigest;
import org.legonet.core.util.Digests;

/**
 * The samples one adapter trains on: a view of shared arrays (encodings, labels, ids) through a
 * list of rows in ascending id order. Nothing is copied; nothing is modified.
 *
 * @param encodings all encodings, {@code dim} per row, row-major
 * @param dim       encoding length
 * @param labels    all labels, one per row
 * @param ids       all sample ids, one per row
 * @param rows      the rows this adapter trains on, in ascending id
 * @param classes   the size of the label set (fixed by the public split or configuration)
 */
public record TrainingSet(float[] encodings, int dim, int[] labels, long[] ids, int[] rows, int classes) {
    public int size() {
        return rows.length;
    }

    /** SHA-256 over the ids, labels and encoding bits of the rows, in order, hex. */
    public String digest() {
        MessageDigest md = Digests.sha256();
        Digests.update(md, rows.length, dim, classes);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(12 + 4 * dim).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int r : rows) {
            buf.clear();
            buf.putLong(ids[r]).putInt(labels[r]);
            for (int d = 0; d < dim; d++) {
                buf.putFloat(encodings[r * dim + d]);
            }
            md.update(buf.array(), 0, buf.position());
        }
        return Digests.hex(md.digest());
    }
}
