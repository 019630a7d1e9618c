package org.legonet.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.legonet.core.store.OptionalField;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One committed change (a forget, an insertion, or both), as a line of the deletion log. It keeps
 * only what an audit needs: keyed hashes of the forgotten ids (never the ids or the data), how
 * many samples were added (never their ids: the log holds as little as possible), the adapters
 * retrained and the model digest before and after. Every field is required when the log is read,
 * except the ones marked optional.
 *
 * @param seq                 1 for the first change, then one more per change
 * @param time                commit time, ISO-8601
 * @param kind                {@code ids} or {@code class} for a change that forgets (by ids or a
 *                            class; it may add samples too), {@code add} for one that only adds
 * @param forgetClass         the class forgotten, for {@code class} requests (absent otherwise)
 * @param forgotten           samples erased by this change (added samples it forgets included)
 * @param added               samples added by this change (those it also forgets included);
 *                            absent only in lines written before format version 3, read as 0
 * @param idHashes            hash of each erased id (32 hex digits; keyed, {@link IdKey#hashId}, unless
 *                            the model predates keyed hashes), ascending id order
 * @param adaptersRetrained   ascending adapter indices
 * @param samplesRetrained    retained samples the retrained adapters trained on
 * @param parametersRetrained parameters of the retrained adapters
 * @param seconds             wall time from the request to the start of the commit (finding and retraining)
 * @param digestBefore        model digest before
 * @param digestAfter         model digest after
 * @param requests            ids of the service requests this commit completes (several when the
 *                            service coalesced them), or {@code null} (absent) for a forget from the
 *                            command line; recorded at the commit point so that a replay after a
 *                            crash can tell a request already applied
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChangeRecord(int seq, String time, String kind, @OptionalField Integer forgetClass, int forgotten,
                             @OptionalField Integer added, List<String> idHashes, List<Integer> adaptersRetrained, long samplesRetrained,
                             long parametersRetrained, double seconds, String digestBefore, String digestAfter,
                             @OptionalField List<String> requests) {
    private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /** This record with {@code hashes} as its id hashes (a rekey rewrites them, nothing else). */
    public ChangeRecord withIdHashes(List<String> hashes) {
        return new ChangeRecord(seq, time, kind, forgetClass, forgotten, added, List.copyOf(hashes), adaptersRetrained,
                samplesRetrained, parametersRetrained, seconds, digestBefore, digestAfter, requests);
    }

    /** Samples added by this change (0 in a line written before format version 3). */
    public int addedCount() {
        return added == null ? 0 : added;
    }

    /**
     * Checks the values of a record read from line {@code line} of the log.
     *
     * @param addedRequired whether the line must carry {@code added} (every line written by format
     *                      version 3 does; lines of an older model directory may precede them)
     */
    public void check(String where, int line, boolean addedRequired) {
        String problem = problem(line, addedRequired);
        if (problem != null) {
            throw new StoreException(where + ": " + problem);
        }
    }

    private String problem(int line, boolean addedRequired) {
        if (seq != line) {
            return "field seq is " + seq + " (expected " + line + ")";
        }
        if (time == null) {
            return "field time is missing";
        }
        if (!"ids".equals(kind) && !"class".equals(kind) && !"add".equals(kind)) {
            return "field kind must be ids, class or add";
        }
        if (added == null ? addedRequired || "add".equals(kind) : added < 0) {
            return added == null ? "field added is missing" : "field added is negative";
        }
        if ("add".equals(kind) && (added == 0 || forgotten != 0)) {
            return "an add record must add samples and forget none";
        }
        if ("class".equals(kind) != (forgetClass != null)) {
            return "field forget_class must be given exactly for a class request";
        }
        if (forgotten < 0 || idHashes == null || idHashes.size() != forgotten) {
            return "field id_hashes does not hold one hash per forgotten sample";
        }
        for (String h : idHashes) {
            if (h == null || !HEX32.matcher(h).matches()) {
                return "field id_hashes holds a value that is not 32 hex digits";
            }
        }
        if (adaptersRetrained == null || adaptersRetrained.contains(null)) {
            return "field adapters_retrained is missing or holds a null";
        }
        if (samplesRetrained < 0 || parametersRetrained < 0 || !(seconds >= 0)) {
            return "a count or time is negative";
        }
        if (digestBefore == null || !HEX64.matcher(digestBefore).matches()
                || digestAfter == null || !HEX64.matcher(digestAfter).matches()) {
            return "field digest_before or digest_after is not a SHA-256";
        }
        if (requests != null && requests.contains(null)) {
            return "field requests holds a null";
        }
        return null;
    }
}
