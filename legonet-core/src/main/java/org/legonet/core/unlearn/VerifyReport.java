package org.legonet.core.unlearn;

import java.util.List;

/**
 * The outcome of {@link Verifier#verify}.
 *
 * @param exact             true only when every check below passed
 * @param samples           retained samples rebuilt from
 * @param adaptersChecked   adapters retrained from scratch and compared
 * @param differing         adapters whose rebuilt digest differs from the stored one
 * @param encodingsMatch    re-encoding the raw samples gave the cached encodings, bit for bit
 * @param routesMatch       re-routing gave the cached routes
 * @param storedDigest      the stored model's digest
 * @param rebuiltDigest     the digest of the stored model with the checked adapters replaced by
 *                          their rebuilt versions (equal to the stored digest when exact)
 * @param seconds           wall time
 * @param problems          what differs, in words
 */
public record VerifyReport(boolean exact, int samples, int adaptersChecked, List<Integer> differing,
                           boolean encodingsMatch, boolean routesMatch, String storedDigest, String rebuiltDigest,
                           double seconds, List<String> problems) {
}
