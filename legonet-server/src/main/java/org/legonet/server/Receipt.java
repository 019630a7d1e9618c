package org.legonet.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The proof that a request (a forget or an add) was carried out: one line of {@code receipts.jsonl}. Receipts
 * form a hash chain: each holds the hash of the one before, and its own hash is the SHA-256 of its
 * line without the {@code hash} field, so editing, removing or reordering any receipt breaks the
 * chain at that receipt. A client that keeps its receipt's hash can later show it is in the chain.
 *
 * @param seq               1 for the first receipt of the model, then one more each
 * @param requestId         the request
 * @param kind              {@code ids} or {@code class} for a forget, {@code add} for an add
 * @param forgetClass       the class, for a class request
 * @param idHashes          id hash of each requested id (keyed, as the deletion log's), ascending
 *                          id: the ids to forget, or the ids of the samples added
 * @param forgotten         samples this request named that its commit erased (0 for an add)
 * @param alreadyForgotten  requested ids an earlier commit had already erased (0 for an add)
 * @param added             samples this request added (absent for a forget)
 * @param commit            the deletion-log record (its {@code seq}) of the commit that carried the
 *                          request out, or {@code null} when nothing needed to change
 * @param batchRequests     requests that commit carried out together
 * @param adaptersRetrained adapters that commit retrained from scratch
 * @param digestBefore      model digest before the commit
 * @param digestAfter       model digest after it
 * @param received          when the request arrived
 * @param masked            for a forget, when the adapters holding its samples were masked (before
 *                          its 202; absent in receipts written before masking existed)
 * @param completed         when its commit switched the model (ISO-8601, UTC)
 * @param prevHash          the previous receipt's hash (64 zeros for the first)
 * @param hash              SHA-256 (hex) of this receipt's line without this field
 */
@JsonPropertyOrder({"seq", "request_id", "kind", "class", "id_hashes", "forgotten", "already_forgotten", "added", "commit",
        "batch_requests", "adapters_retrained", "digest_before", "digest_after", "received", "masked", "completed", "prev_hash",
        "hash"})
public record Receipt(int seq, String requestId, String kind, @JsonProperty("class") Integer forgetClass,
                      List<String> idHashes, int forgotten, int alreadyForgotten, Integer added, Integer commit,
                      Integer batchRequests, List<Integer> adaptersRetrained, String digestBefore,
                      String digestAfter, String received, String masked, String completed, String prevHash,
                      String hash) {

    /** This receipt naming {@code hashes} as its id hashes (a rekey rewrites them). */
    Receipt withIdHashes(List<String> hashes) {
        return new Receipt(seq, requestId, kind, forgetClass, hashes, forgotten, alreadyForgotten, added, commit,
                batchRequests, adaptersRetrained, digestBefore, digestAfter, received, masked, completed, prevHash, hash);
    }

    Receipt chained(int seq, String prevHash, String hash) {
        return new Receipt(seq, requestId, kind, forgetClass, idHashes, forgotten, alreadyForgotten, added, commit,
                batchRequests, adaptersRetrained, digestBefore, digestAfter, received, masked, completed, prevHash, hash);
    }
}
