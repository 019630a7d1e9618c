package org.legonet.dl.byo;

import java.util.Locale;
import org.legonet.core.LegoNetException;

/**
 * The element type of a model input. Float inputs receive {@code x * scale}; integer inputs (token
 * ids, class indices) receive {@code x * scale} rounded to the nearest integer.
 */
public enum ElementType {
    FLOAT32, FLOAT64, INT64, INT32;

    static ElementType parse(String spec, String s) {
        if (s == null) {
            return FLOAT32;
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "float32", "float" -> FLOAT32;
            case "float64", "double" -> FLOAT64;
            case "int64", "long" -> INT64;
            case "int32", "int" -> INT32;
            default -> throw new LegoNetException("encoder '" + spec + "': dtype= must be float32, float64, int64 or int32, got '"
                    + s + "'");
        };
    }

    /** Whether values are rounded to integers. */
    public boolean integral() {
        return this == INT64 || this == INT32;
    }

    /**
     * {@code x * scale}, rounded for integer types.
     *
     * @throws LegoNetException when the value does not fit the type
     */
    public double convert(float x, float scale, String what) {
        float v = x * scale;
        if (!integral()) {
            return v;
        }
        double r = Math.rint(v);
        double limit = this == INT32 ? Integer.MAX_VALUE : 9.007199254740992E15;
        if (!(Math.abs(r) <= limit)) {
            throw new LegoNetException(what + ": value " + v + " does not fit the model's " + name().toLowerCase(Locale.ROOT)
                    + " input");
        }
        return r;
    }
}
