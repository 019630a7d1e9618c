package org.legonet.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * An accepted forget request as its line in the request log: the only place where the service
 * keeps plaintext sample ids, and only until the request is done.
 *
 * @param requestId   the id returned to the client
 * @param received    when it was accepted (ISO-8601, UTC)
 * @param ids         the sample ids (ascending, distinct), or {@code null} for a class request
 * @param forgetClass the class, or {@code null} for an id request
 */
@JsonPropertyOrder({"request_id", "received", "ids", "class"})
record LoggedRequest(String requestId, String received, long[] ids, @JsonProperty("class") Integer forgetClass) {
    boolean isClass() {
        return forgetClass != null;
    }

    /** For logs: what it asks, never the ids themselves. */
    String describe() {
        return isClass() ? "class " + forgetClass : ids.length + " id" + (ids.length == 1 ? "" : "s");
    }
}
