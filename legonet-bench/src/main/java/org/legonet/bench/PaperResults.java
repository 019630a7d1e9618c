package org.legonet.bench;

import java.util.List;
import java.util.Map;

/** The figures of one {@code legonet bench --suite paper} run, as written to its JSON file. */
public final class PaperResults {
    private PaperResults() {
    }

    /** The whole run. */
    public record Run(String started, double seconds, boolean quick, BenchResults.Machine machine,
                      BenchResults.Data data, Encoder encoder, String endToEndCnn, List<Method> methods,
                      List<BenchResults.SettingResult> legonet, List<Segment> segmentation, List<Check> checks,
                      Map<String, Object> notes) {
    }

    /**
     * The fixed encoder.
     *
     * @param ownTestAccuracy the CNN's own classifier head on the test set (trained on the public split only)
     */
    public record Encoder(String spec, String recipe, int dim, long parameters, double trainSeconds,
                          double encodeSeconds, Double ownTestAccuracy) {
    }

    /**
     * One method in one setting: the rows of the head-to-head table and the points of the plot.
     *
     * @param removalP50Seconds  seconds per single-sample removal, p50 over {@code removals} runs
     * @param removalSamples     sample-passes (end-to-end) or samples (adapters) retrained per removal, mean
     * @param removalParameters  parameters retrained per removal, mean
     * @param retainedAccuracy   on the retained private samples (or a fixed random subset, see notes)
     * @param forgottenAccuracy  on the samples the Single removals forgot, after forgetting them
     */
    public record Method(String method, String setting, String family, Double testAccuracy, Double testAccuracyVote,
                         double trainSeconds, int removals, double removalP50Seconds, double removalP95Seconds,
                         double removalUnits, double removalSamples, double removalParameters,
                         Double testAccuracyAfter, Double retainedAccuracy, Double forgottenAccuracy,
                         Task random100, Task unclass, String verify) {
    }

    /** A forget task (Random100, UnClass) of a baseline. */
    public record Task(String task, int forgotten, double seconds, int unitsRetrained, Double testAccuracyAfter,
                       Double forgottenAccuracyAfter, String how) {
    }

    /** One row of the segmentation table: test accuracy at s = n / k. */
    public record Segment(int s, Double sisa, Double fixSisa, Double legonetK1, Double legonetK10, Double sisaSeconds,
                          Double fixSisaSeconds, Double legonetK1Seconds, Double legonetK10Seconds) {
    }

    /** One "done when" check of the issue, with the figures it compared. */
    public record Check(String what, boolean passed, String figures) {
    }
}
