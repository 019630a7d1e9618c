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
     * @param notes     remarks (subsampling, skipped parts)
     */
    public record Run(String started, double seconds, Model model, Sets sets, int shadows, long seed,
                      List<Attack> attacks, List<Deletion> deletion, List<String> notes) {
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
