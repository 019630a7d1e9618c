package org.legonet.bench;

import java.util.List;
import java.util.Map;

/** The figures of one scaling study ({@code legonet bench --suite scale}), as written to JSON. */
public final class ScaleResults {
    private ScaleResults() {
    }

    /**
     * One run.
     *
     * @param scales one entry per scale factor, in the order measured
     * @param costModel removal and retrain-all costs predicted for larger data, from this run's constants
     */
    public record Run(String started, double seconds, BenchResults.Machine machine, String data, int publicSamples,
                      int testSamples, String baseSetting, String sparkMaster, int sparkPartitions, List<Scale> scales,
                      CostModel costModel, Map<String, Object> notes) {
    }

    /**
     * One scale factor: the private split grown {@code factor} times, n scaled with it.
     *
     * @param publicSamples  the public split, grown by the same factor (the encoder and keys are fitted on it)
     * @param encodeSeconds  fitting the encoder on the public split and encoding every sample, in process
     * @param inProcess      LegoNet's benchmark of this setting, in process (training, Single, Random100, UnClass,
     *                       retrain-all, peak heap, store size, model digest)
     * @param spark          the same on Spark, or null where Spark was not run at this factor
     */
    public record Scale(int factor, int privateSamples, int publicSamples, int n, int k, double encodeSeconds,
                        BenchResults.SettingResult inProcess, Spark spark) {
    }

    /**
     * The Spark engine on one scale factor.
     *
     * @param trainSeconds       {@code SparkTrainer.train} wall time: encoder and keys on the driver, encoding,
     *                           routing and adapter training as Spark jobs
     * @param driverSeconds      of which on the driver: fitting the encoder, encoding the public split, placing and
     *                           balancing the keys (the same code and cost as in process)
     * @param saveSeconds        writing the model directory (the private chunks by the executors)
     * @param peakHeapBytes      peak heap of the JVM during training and saving (in local mode the executors run in
     *                           it too)
     * @param digest             model digest of the Spark-trained model
     * @param sameDigest         whether it equals the in-process model's digest (a SHA-256 over the encoder
     *                           fingerprint, the key digest and every adapter's digest)
     * @param single             one-sample forgets with {@code SparkUnlearner}: seconds as reported (retrain and
     *                           store update) and wall seconds including opening the model directory
     * @param random100          one request of 100 random ids
     * @param unclass            every sample of one class
     * @param verify             a full in-process verify of the directory after the Spark forgets: every adapter
     *                           rebuilt in process from the retained raw samples
     */
    public record Spark(double trainSeconds, double driverSeconds, double saveSeconds, long peakHeapBytes, String digest, boolean sameDigest,
                        SparkSingle single, BenchResults.Task random100,
                        BenchResults.Task unclass, String verify, double verifySeconds) {
    }

    /** One-sample forgets on Spark. */
    public record SparkSingle(int runs, double p50Seconds, double p95Seconds, double p50WallSeconds,
                              double p95WallSeconds, double meanAdaptersRetrained, double meanSamplesRetrained) {
    }

    /**
     * A cost model on paper: what a one-sample removal and a retrain-all cost at larger scales on a cluster,
     * from constants measured in this run (not measured at those scales).
     *
     * @param secondsPerSampleTrained adapter training time per sample an adapter trains on (one thread), from the
     *                                largest in-process retrain-all of this run
     * @param removalFixedSeconds     the part of a one-sample removal that is not retraining (store update), at the
     *                                largest factor measured
     * @param fixedSecondsPer1000Adapters how that part grows with n (per 1,000 adapters), from the smallest and
     *                                the largest factor
     * @param rows                    predictions per factor and cluster size
     */
    public record CostModel(double secondsPerSampleTrained, double removalFixedSeconds,
                            double fixedSecondsPer1000Adapters, int threadsMeasured,
                            List<CostRow> rows, String formula) {
    }

    /** One prediction. */
    public record CostRow(int factor, long privateSamples, int n, int k, int executors, double samplesPerRemoval,
                          double removalSeconds, double retrainAllSeconds) {
    }
}
