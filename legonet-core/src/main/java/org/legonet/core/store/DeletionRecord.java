package org.legonet.core.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One committed forget request, as a line of the deletion log. It keeps only what an audit needs:
 * salted hashes of the forgotten ids (never the ids or the data), the adapters retrained and the
 * model digest before and after.
 *
 * @param seq                 1 for the first request, then one more per request
 * @param time                commit time, ISO-8601
 * @param kind                {@code ids} or {@code class}
 * @param forgetClass         the class forgotten, for {@code class} requests
 * @param forgotten           samples erased by this request
 * @param idHashes            salted SHA-256 of each erased id (hex, 32 characters), ascending id order
 * @param adaptersRetrained   ascending adapter indices
 * @param samplesRetrained    retained samples the retrained adapters trained on
 * @param parametersRetrained parameters of the retrained adapters
 * @param seconds             wall time from the request to the start of the commit (finding and retraining)
 * @param digestBefore        model digest before
 * @param digestAfter         model digest after
 * @param requests            ids of the service requests this commit completes (several when the
 *                            service coalesced them), or {@code null} for a forget from the command
 *                            line; recorded at the commit point so that a replay after a crash can
 *                            tell a request already applied
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeletionRecord(int seq, String time, String kind, Integer forgetClass, int forgotten,
                             List<String> idHashes, List<Integer> adaptersRetrained, long samplesRetrained,
                             long parametersRetrained, double seconds, String digestBefore, String digestAfter,
                             List<String> requests) {
}
