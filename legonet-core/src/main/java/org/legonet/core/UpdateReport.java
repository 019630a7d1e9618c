package org.legonet.core;

import java.util.List;

/**
 * What a forget did.
 *
 * @param request             the request
 * @param forgotten           samples erased now
 * @param alreadyForgotten    requested ids that an earlier request had already erased (a no-op each)
 * @param adaptersRetrained   ascending adapter indices retrained from scratch
 * @param samplesRetrained    samples those adapters trained on
 * @param parametersRetrained their parameters
 * @param seconds             wall time, store update included
 * @param trainSeconds        of which retraining
 * @param storeSeconds        of which the atomic store update
 * @param digestBefore        model digest before
 * @param digestAfter         model digest after (equal to before for a no-op)
 * @param notes               remarks for the user (no-ops, empty classes)
 * @param committed           the deletion-log record as committed (with its sequence number and
 *                            time), or {@code null} when nothing changed
 */
public record UpdateReport(String request, int forgotten, int alreadyForgotten, List<Integer> adaptersRetrained,
                           long samplesRetrained, long parametersRetrained, double seconds, double trainSeconds,
                           double storeSeconds, String digestBefore, String digestAfter, List<String> notes,
                           ChangeRecord committed) {
    public boolean changed() {
        return forgotten > 0;
    }
}
