package org.legonet.core;

import java.util.List;

/**
 * What an update (forget, add, or both) did.
 *
 * @param request             the edit, in words
 * @param added               samples added now
 * @param forgotten           samples erased now
 * @param alreadyForgotten    requested ids that an earlier request had already erased (a no-op each)
 * @param adaptersRetrained   ascending adapter indices retrained from scratch: those the change
 *                            touches together with its route-hiding cover, never told apart
 * @param cover               how many of {@code adaptersRetrained} are cover, retrained though no
 *                            sample of theirs changed (0 without cover; docs/privacy.md). Which ones
 *                            is not kept anywhere
 * @param samplesRetrained    samples those adapters trained on
 * @param parametersRetrained their parameters
 * @param seconds             wall time, store update included once committed
 * @param trainSeconds        of which retraining
 * @param storeSeconds        of which the atomic store update (0 until committed)
 * @param digestBefore        model digest before
 * @param digestAfter         model digest after (equal to before for a no-op)
 * @param notes               remarks for the user (no-ops, empty classes)
 * @param committed           the log record as committed (with its sequence number and time), or
 *                            {@code null} when nothing changed or the update is not committed
 */
public record UpdateReport(String request, int added, int forgotten, int alreadyForgotten,
                           List<Integer> adaptersRetrained, int cover, long samplesRetrained, long parametersRetrained,
                           double seconds, double trainSeconds, double storeSeconds, String digestBefore,
                           String digestAfter, List<String> notes, ChangeRecord committed) {
    public UpdateReport {
        adaptersRetrained = List.copyOf(adaptersRetrained);
        notes = List.copyOf(notes);
    }

    /** Whether the model changed. */
    public boolean changed() {
        return forgotten > 0 || added > 0;
    }

    /** This report once committed: the record as written and the time the store update took. */
    public UpdateReport committedAs(ChangeRecord record, double storeSeconds) {
        return new UpdateReport(request, added, forgotten, alreadyForgotten, adaptersRetrained, cover, samplesRetrained,
                parametersRetrained, seconds + storeSeconds, trainSeconds, storeSeconds, digestBefore, digestAfter, notes,
                record);
    }
}
