package org.legonet.bench.privacy;

import java.util.List;

/** Every figure of one privacy audit, as written to JSON (snake_case) and drawn in the report. */
public final class PrivacyResults {
    private PrivacyResults() {
    }

    /**
     * One audit.
     *
     * @param started   ISO time the audit started
     * @param seconds   wall time of the whole audit
     * @param model     what was audited
     * @param sets      the sample sets and how many of each the attacks scored
     * @param shadows   shadow models trained for LiRA
     * @param seed      the audit's seed (subsampling, shadow halves, bootstrap, trials)
     * @param attacks   the membership attacks on the model as it is
     * @param deletion  the before/after attack, one entry per cover
     * @param exposure  what the model directory alone gives away of the forgotten ids, or null for a
     *                  model held in memory (no directory)
     * @param notes     remarks (subsampling, skipped parts)
     */
    public record Run(String started, double seconds, Model model, Sets sets, int shadows, long seed,
                      List<Attack> attacks, List<Deletion> deletion, Exposure exposure, List<String> notes) {
    }

    /**
     * What an attacker who holds the model directory, and not its id key, recovers of the
     * forgotten ids, two ways.
     */
    public record Exposure(BruteForce bruteForce, Gaps gaps) {
    }

    /**
     * Hashing every id of the id space with the directory's salt, as an unkeyed model hashes ids,
     * and matching the hashes against the deletion log's. A keyed log ({@code hmac-sha256}) needs
     * the id key, which is not in the directory: nothing should match.
     *
     * @param idHash             how the log hashes ids: {@code hmac-sha256} (keyed) or {@code sha256}
     * @param logHashes          distinct id hashes of forgotten ids in the deletion log
     * @param idsHashed          ids hashed: the range 0..rangeEnd and the data's ids outside it
     * @param rangeEnd           the last id of the range hashed
     * @param rangeCapped        whether the range stopped short of the largest id seen
     * @param hashesMatched      log hashes matched by an id
     * @param forgottenRecovered true forgotten ids among the ids matched
     * @param forgotten          true forgotten ids (found in the data with the key)
     * @param seconds            wall time of the hashing
     */
    public record BruteForce(String idHash, int logHashes, long idsHashed, long rangeEnd, boolean rangeCapped,
                             int hashesMatched, int forgottenRecovered, int forgotten, double seconds) {
    }

    /**
     * The ids of the private split at training time that the directory's data chunks no longer
     * hold: with ids that are row numbers, exactly the forgotten ones.
     *
     * @param applicable         whether the recorded data spec says ids are row numbers
     * @param basis              why (the private id range), or why not
     * @param from               first private id at training (public_rows), or 0
     * @param to                 one past the last (train_rows), or 0
     * @param missing            ids of the range not held
     * @param forgottenRecovered true forgotten ids among them
     * @param falseIds           ids among them that were not forgotten (e.g. never in the model)
     */
    public record Gaps(boolean applicable, String basis, long from, long to, int missing, int forgottenRecovered,
                       int falseIds) {
        static Gaps notApplicable(String why) {
            return new Gaps(false, why, 0, 0, 0, 0, 0);
        }
    }

    /** The audited model: digest, setting, private samples held and forgotten. */
    public record Model(String digest, String dir, int n, int k, String adapter, int classes, int retained,
                        long forgotten, int cover) {
    }

    /**
     * The three sets: sizes available and scored (each subsampled to at most {@code maxPerSet}).
     *
     * @param forgottenFound forgotten samples found again in the data by their id hashes
     */
    public record Sets(int retained, int retainedScored, int unseen, int unseenScored, int forgottenFound,
                       int forgottenScored, int maxPerSet, String unseenFrom) {
    }

    /** One membership attack on the three pairs of sets. */
    public record Attack(String name, String score, List<Pair> pairs) {
    }

    /**
     * One pair: the first set's samples are the positives (the attack calls them members), the
     * second's the negatives.
     *
     * @param auc      the probability that a positive outscores a negative (ties half)
     * @param aucLow   lower end of the bootstrap interval
     * @param aucHigh  upper end
     * @param tprAt01  true-positive rate at 0.1% false positives
     * @param tprAt1   true-positive rate at 1% false positives
     * @param roc      the ROC curve, thinned: [fpr, tpr] points from (0, 0) to (1, 1)
     */
    public record Pair(String pair, int positives, int negatives, double auc, double aucLow, double aucHigh,
                       double tprAt01, double tprAt1, List<double[]> roc) {
    }

    /**
     * The before/after attack with one cover setting.
     *
     * @param cover             adapters retrained per change besides those the sample reaches
     * @param trials            forgets simulated (one random retained sample each)
     * @param candidates        candidates ranked per trial (the forgotten sample among retained and unseen ones)
     * @param secondsPerRemoval mean wall time of one simulated forget (retraining included)
     * @param observers         what each observer achieved
     */
    public record Deletion(int cover, int trials, int candidates, double secondsPerRemoval, double p50Seconds,
                           List<Observer> observers) {
    }

    /**
     * One observer of a change: "metadata" sees the list of retrained adapters (logs, receipts,
     * metrics) and nothing else, "metadata+queries" also the model's answers before and after,
     * "weights" the adapters whose bits changed and the answers (two copies of the directory).
     *
     * @param adaptersSeen mean size of the adapter set this observer sees per change
     * @param top1         share of trials where the forgotten sample ranked first (ties split evenly)
     * @param top10        share where it ranked in the first ten
     * @param auc          mean over trials of the share of other candidates it outranks (ties half)
     */
    public record Observer(String name, double adaptersSeen, double top1, double top10, double auc) {
    }
}
