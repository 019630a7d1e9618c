package org.legonet.core;

import java.util.List;

/**
 * The outcome of {@code Verifier.verify}. A verification rebuilds some adapters from scratch and
 * compares them bit for bit; an adapter it does not rebuild is only checked against the
 * sample-set digest recorded in its own file, which an altered adapter with a consistent
 * manifest passes. So {@link #exact()} proves the whole model exact only together with
 * {@link #fullRebuild()}; {@link #scope()} says in words what was rebuilt and what only checked.
 *
 * @param exact              true when every check below passed, for what this verification checked
 * @param samples            retained samples rebuilt from
 * @param adaptersRebuilt    adapters retrained from scratch and compared bit for bit
 * @param adaptersNotRebuilt adapters not retrained, only checked against the sample-set digests in
 *                           their files (0 for a full rebuild)
 * @param scope              what was rebuilt and what only checked, in words
 * @param differing          adapters whose rebuilt digest differs from the stored one, or (when not
 *                           rebuilt) whose recorded sample set differs from the rebuilt one
 * @param encodingsMatch     re-encoding the raw samples gave the cached encodings, bit for bit
 * @param routesMatch        re-routing gave the cached routes
 * @param storedDigest       the stored model's digest
 * @param rebuiltDigest      the digest of the stored model with the rebuilt adapters replaced by
 *                           their rebuilt versions (equal to the stored digest when exact)
 * @param seconds            wall time
 * @param problems           what differs, in words
 */
public record VerifyReport(boolean exact, int samples, int adaptersRebuilt, int adaptersNotRebuilt, String scope,
                           List<Integer> differing, boolean encodingsMatch, boolean routesMatch, String storedDigest,
                           String rebuiltDigest, double seconds, List<String> problems) {

    /** Whether every adapter was rebuilt from scratch: only then does {@link #exact()} cover the whole model. */
    public boolean fullRebuild() {
        return adaptersNotRebuilt == 0;
    }

    /** Whether the whole model is proven exact: a full rebuild matched bit for bit. */
    public boolean provenExact() {
        return exact && fullRebuild();
    }
}
