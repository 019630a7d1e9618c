package org.legonet.server;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * An accepted request as its line in the request log: the only place where the service keeps
 * plaintext sample ids (and, for an add, the samples themselves), and only until the request is
 * done. A forget line is written as the service always wrote it (no {@code kind}); an add line
 * has {@code "kind": "add"}.
 *
 * @param requestId      the id returned to the client
 * @param received       when it arrived (ISO-8601, UTC)
 * @param masked         for a forget, when the adapters holding its samples were masked (before the
 *                       line was written; absent in lines written before masking existed)
 * @param kind           {@code add}, or {@code null} for a forget
 * @param ids            for a forget, the sample ids (ascending, distinct), or {@code null} for a
 *                       class request; for an add, the ids of the samples, in the order given
 * @param forgetClass    the class, for a class forget (otherwise {@code null})
 * @param labels         for an add, the label of each sample (otherwise {@code null})
 * @param features       for an add, the raw features of every sample, row after row, as 32-bit
 *                       little-endian IEEE floats in base64: exactly the values the model will
 *                       train on, with no decimal rounding on the way (otherwise {@code null})
 * @param readdForgotten for an add, whether an id forgotten earlier may be added again ({@code null}: no)
 */
@JsonPropertyOrder({"request_id", "received", "masked", "kind", "ids", "class", "labels", "features", "readd_forgotten"})
record LoggedRequest(String requestId, String received, String masked, String kind, long[] ids,
                     @JsonProperty("class") Integer forgetClass, int[] labels, String features,
                     Boolean readdForgotten) {
    static final String ADD = "add";

    /** A forget request: {@code ids} (ascending, distinct) or {@code forgetClass}. */
    LoggedRequest(String requestId, String received, long[] ids, Integer forgetClass) {
        this(requestId, received, null, null, ids, forgetClass, null, null, null);
    }

    /** This forget, masked at {@code time}. */
    LoggedRequest withMasked(String time) {
        return new LoggedRequest(requestId, received, time, kind, ids, forgetClass, labels, features, readdForgotten);
    }

    /** An add request: {@code ids.length} samples of {@code features.length / ids.length} features each. */
    static LoggedRequest add(String requestId, String received, long[] ids, int[] labels, float[] features,
                             boolean readdForgotten) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(features.length, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(features);
        return new LoggedRequest(requestId, received, null, ADD, ids, null, labels, Base64.getEncoder().encodeToString(b.array()),
                readdForgotten ? Boolean.TRUE : null);
    }

    @JsonIgnore
    boolean isAdd() {
        return ADD.equals(kind);
    }

    @JsonIgnore
    boolean isClass() {
        return forgetClass != null;
    }

    /** Whether an add may re-add ids forgotten earlier. */
    @JsonIgnore
    boolean readd() {
        return Boolean.TRUE.equals(readdForgotten);
    }

    /** The features of an add, row after row (decoded from {@link #features()}). */
    @JsonIgnore
    float[] featureValues() {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(features)).order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[b.remaining() / Float.BYTES];
        b.asFloatBuffer().get(x);
        return x;
    }

    /**
     * Why the line read back is not a request the service takes, or null when it is one: a forget
     * names ids or a class and carries no samples; an add carries one label and at least one
     * feature per id, and whole rows of them.
     */
    @JsonIgnore
    String problem() {
        if (requestId == null || received == null) {
            return "has no request id or no time";
        }
        if (kind != null && !isAdd()) {
            return "has the unknown kind " + kind;
        }
        if (!isAdd()) {
            return (ids == null) == (forgetClass == null) || labels != null || features != null || readdForgotten != null
                    ? "is not a forget request" : null;
        }
        if (ids == null || ids.length == 0 || forgetClass != null || labels == null || labels.length != ids.length
                || features == null) {
            return "is not an add request";
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(features);
        } catch (IllegalArgumentException e) {
            return "holds features that are not base64";
        }
        if (raw.length == 0 || raw.length % ((long) Float.BYTES * ids.length) != 0) {
            return "holds " + raw.length + " bytes of features, not whole rows for " + ids.length + " samples";
        }
        return null;
    }

    /** For logs: what it asks, never the ids themselves. */
    String describe() {
        if (isAdd()) {
            return "add " + ids.length + " sample" + (ids.length == 1 ? "" : "s");
        }
        return isClass() ? "class " + forgetClass : ids.length + " id" + (ids.length == 1 ? "" : "s");
    }
}
