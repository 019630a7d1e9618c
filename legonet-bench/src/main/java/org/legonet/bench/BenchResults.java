package org.legonet.bench;

import java.util.List;
import java.util.Map;

/** The figures one {@code legonet bench} run measured, as written to its JSON file. */
public final class BenchResults {
    private BenchResults() {
    }

    /** The whole run. */
    public record Run(String started, double seconds, boolean quick, Machine machine, Data data, EncoderFit encoder,
                      List<Baseline> baselines, List<SettingResult> settings, LargeEncoderForget largeEncoder,
                      Map<String, Object> notes) {
    }

    /**
     * One-sample forgets of one model stored with a large and with a small ONNX encoder that compute
     * the same encodings.
     *
     * @param ratio  large p50 over small p50
     * @param within whether the large encoder's p50 is within 10% of the small one's
     */
    public record LargeEncoderForget(String setting, long largeEncoderBytes, long smallEncoderBytes, int forgets,
                                     double largeP50Seconds, double smallP50Seconds, double ratio, boolean within) {
    }

    /**
     * @param peakGflopsOneThread FMA-only kernel, one thread
     * @param peakGflops          FMA-only kernel, all {@code threads} threads: the reference for "% of peak"
     */
    public record Machine(int cores, int threads, String java, String vm, String os, String cpu, String simd,
                          double peakGflopsOneThread, double peakGflops, long maxHeapBytes) {
    }

    public record Data(String description, int publicSamples, int privateSamples, int testSamples, int classes) {
    }

    public record EncoderFit(String spec, double fitSeconds, double encodeSeconds, int outputDim) {
    }

    /**
     * A single adapter on all private data (no routing): forgetting anything retrains it whole.
     *
     * @param trainSeconds also its seconds per removal
     */
    public record Baseline(String name, String adapter, Double testAccuracy, double trainSeconds, double gflops,
                           long parameters) {
    }

    /** Accuracy on the three sets after a task (null where a set is empty). */
    public record Accuracies(Double test, Double testOtherClasses, Double retained, Double forgotten) {
    }

    /** One update task (Random100, Add100, UnClass). */
    public record Task(String task, String request, int forgotten, int added, int adaptersRetrained, long samplesRetrained,
                       long parametersRetrained, double seconds, double trainSeconds, double storeSeconds,
                       Accuracies after, String verify, double verifySeconds) {
    }

    /** Repeated single-sample forgets (Single) or adds (SingleAdd). */
    public record Single(int runs, double p50Seconds, double p95Seconds, double meanSeconds, double p50TrainSeconds,
                         double p50StoreSeconds, double meanAdaptersRetrained, double meanSamplesRetrained,
                         long parametersRetrainedPerAdapter, int verifiedExact) {
    }

    /**
     * One LegoNet setting of the grid.
     *
     * @param retrainAllForgetP50Seconds p50 of one-sample forgets done by retraining every adapter
     *                                   (the baseline), store update included like Single's
     * @param singleSpeedup              that p50 over Single's p50
     * @param retrainAllSeconds          training every adapter from scratch, no store update
     *                                   (the throughput figure)
     *                                   (these retrain-all figures are null where the task was not run;
     *                                   so are random100 and unclass)
     * @param singleAdd                  one-sample adds (null where not run)
     * @param add100                     Random100's samples added back in one request (null where not run)
     * @param modelDigest                the trained model's digest
     * @param storeBytes                 the model directory's size on disk when trained
     */
    public record SettingResult(String setting, int n, int k, String adapter, Map<String, Object> config,
                                double trainSeconds, double adapterSeconds, double adapterGflops,
                                double adapterPercentOfPeak, org.legonet.core.model.PrivateSet.Sizes sizes, double expectedSamplesPerRemoval,
                                double idealSamplesPerRemoval, double costRatio, Accuracies before, Single single,
                                Single singleAdd, Double retrainAllForgetP50Seconds, int retrainAllForgets,
                                Task random100, Task add100, Task unclass,
                                Double retrainAllSeconds, Double retrainAllGflops, Double retrainAllPercentOfPeak,
                                Double singleSpeedup, double requiredSpeedup,
                                String finalVerify, double finalVerifySeconds, long peakHeapBytes, String modelDigest,
                                long storeBytes) {
    }
}
