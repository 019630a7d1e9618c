package org.legonet.core.data;

import java.util.Arrays;

/**
 * The contents of one IDX file: its dimensions, its element type code and its values.
 *
 * <p>Values are always available as floats (exact for every type but 32-bit ints beyond 2^24 and
 * doubles); integer files also give exact {@code int} values through {@link #intValues()}, which is
 * what label files need.
 */
public final class IdxArray {
    /** Unsigned byte, 0..255. */
    public static final int UBYTE = 0x08;
    /** Signed byte. */
    public static final int BYTE = 0x09;
    /** Big-endian 16-bit signed integer. */
    public static final int SHORT = 0x0B;
    /** Big-endian 32-bit signed integer. */
    public static final int INT = 0x0C;
    /** Big-endian 32-bit IEEE float. */
    public static final int FLOAT = 0x0D;
    /** Big-endian 64-bit IEEE float, narrowed to float on reading. */
    public static final int DOUBLE = 0x0E;

    private final int[] dims;
    private final int type;
    private final float[] values;
    private final int[] exactInts;

    IdxArray(int[] dims, int type, float[] values, int[] exactInts) {
        this.dims = dims.clone();
        this.type = type;
        this.values = values;
        this.exactInts = exactInts;
    }

    /** The size of each dimension, outermost first. */
    public int[] dims() {
        return dims.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** The element type code, one of {@link #UBYTE} .. {@link #DOUBLE}. */
    public int type() {
        return type;
    }

    /** The number of values (the product of the dimensions). */
    public int count() {
        return values.length;
    }

    /**
     * All values in row-major order. The array is this object's own (not a copy): it was made for
     * the caller by the reader, so passing it on without copying is safe and saves memory.
     */
    public float[] values() {
        return values;
    }

    /** Whether the elements are integers (ubyte, byte, short or int). */
    public boolean isIntegerType() {
        return isIntegerType(type);
    }

    /**
     * The values as exact ints, in row-major order (a new array).
     *
     * @throws IllegalStateException if the file holds floats or doubles
     */
    public int[] intValues() {
        if (!isIntegerType()) {
            throw new IllegalStateException("IDX " + typeName(type) + " values are not integers");
        }
        if (exactInts != null) {
            return exactInts.clone();
        }
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) values[i];
        }
        return out;
    }

    /** A readable name for a type code: "ubyte", "byte", "short", "int", "float" or "double". */
    public static String typeName(int type) {
        return switch (type) {
            case UBYTE -> "ubyte";
            case BYTE -> "byte";
            case SHORT -> "short";
            case INT -> "int";
            case FLOAT -> "float";
            case DOUBLE -> "double";
            default -> String.format("unknown type 0x%02X", type);
        };
    }

    static boolean isIntegerType(int type) {
        return type == UBYTE || type == BYTE || type == SHORT || type == INT;
    }

    @Override
    public String toString() {
        return "IdxArray(" + typeName(type) + " " + Arrays.toString(dims) + ")";
    }
}
