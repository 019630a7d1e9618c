package org.legonet.core;

import java.util.Arrays;

/**
 * What to forget: a set of sample ids, or every private sample of one class (the paper's UnClass).
 *
 * @param ids         the ids (sorted ascending and duplicates merged here) or an empty array for a
 *                    class request
 * @param forgetClass the class, or {@code null} for an id request
 */
public record ForgetRequest(long[] ids, Integer forgetClass) {
    public ForgetRequest {
        ids = Arrays.stream(ids).sorted().distinct().toArray();
        if (forgetClass != null && ids.length > 0) {
            throw new IllegalArgumentException("a forget request names ids or a class, not both");
        }
    }

    /** Forget these ids (duplicates are merged). */
    public static ForgetRequest ofIds(long... ids) {
        if (ids.length == 0) {
            throw new LegoNetException("no ids to forget");
        }
        return new ForgetRequest(Arrays.stream(ids).sorted().distinct().toArray(), null);
    }

    /** Forget every private sample of class {@code c}. */
    public static ForgetRequest ofClass(int c) {
        if (c < 0) {
            throw new LegoNetException("class must be a non-negative integer, got " + c);
        }
        return new ForgetRequest(new long[0], c);
    }

    public boolean isClass() {
        return forgetClass != null;
    }

    @Override
    public String toString() {
        return isClass() ? "forget class " + forgetClass : "forget " + ids.length + " id" + (ids.length == 1 ? "" : "s");
    }
}
