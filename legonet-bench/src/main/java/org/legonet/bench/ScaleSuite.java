package org.legonet.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.LegoNetTrainer;

/**
 * The scaling study ({@code legonet bench --suite scale}): the private split grown deterministically
 * ({@link GrownData}) by each factor, n scaled in proportion (k fixed), LegoNet's benchmark of that setting in
 * process (training, Single, Random100, UnClass, retrain-all, memory, store size), and the same on Spark up to a
 * factor, with the model digests compared. From the figures, a cost model predicts larger scales on a cluster.
 */
public final class ScaleSuite {
    /**
     * @param factors     scale factors, ascending (1 = the data as given)
     * @param sparkUpTo   run Spark at every factor up to this one (0: never)
     * @param sparkMaster the Spark master, e.g. {@code local[2]}
     * @param partitions  input partitions of the private samples on Spark
     * @param singles     one-sample forgets per factor in process
     * @param sparkSingles one-sample forgets per factor on Spark
     * @param base        the setting at factor 1 (n is multiplied by the factor)
     * @param growPublic  grow the public split with the factor too (by default it keeps its size and takes on the
     *                    transforms, {@link GrownData#mix})
     */
    public record Options(List<Integer> factors, int sparkUpTo, String sparkMaster, int partitions, int singles,
                          int sparkSingles, long seed, int threads, ModelConfig base, Path workDir, boolean growPublic) {
        public Options {
            factors = List.copyOf(factors);
            if (factors.isEmpty()) {
                throw new LegoNetException("--scales is empty");
            }
            for (int i = 0; i < factors.size(); i++) {
                int f = factors.get(i);
                if (f < 1 || f > GrownData.MAX_FACTOR || (i > 0 && f <= factors.get(i - 1))) {
                    throw new LegoNetException("--scales must ascend within 1.." + GrownData.MAX_FACTOR + ", got " + factors);
                }
            }
            if (partitions < 1 || singles < 1 || sparkSingles < 1) {
                throw new LegoNetException("partitions and forget counts must be at least 1");
            }
        }
    }

    private final Options options;
    private final Progress progress;
    private final PrintWriter log;

    public ScaleSuite(Options options, Progress progress, PrintWriter log) {
        this.options = options;
        this.progress = progress;
        this.log = log;
    }

    /** Runs the study on the given splits; writes nothing but temporary model directories. */
    public ScaleResults.Run run(Dataset publicSplit, Dataset privateSplit, Dataset test, String description)
            throws IOException {
        long t0 = System.nanoTime();
        String started = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        ModelConfig base = options.base();
        Benchmark.Setting baseSetting = new Benchmark.Setting(base.adapters(), base.activate(), base.adapter().toString());
        Benchmark bench = new Benchmark(new Benchmark.Options(false, options.singles(), options.seed(), options.threads(),
                List.of(baseSetting), List.of(), base, options.workDir()), progress, log);
        BenchResults.Machine machine = bench.measureMachine(options.threads());
        int classes = LegoNetTrainer.classesOf(base, publicSplit);
        Benchmark.Tasks tasks = new Benchmark.Tasks(options.singles(), 0, true, true, true, false, true, false);

        long stride = 1;
        for (Dataset d : new Dataset[] {publicSplit, privateSplit}) {
            for (int r = 0; r < d.size(); r++) {
                while (stride <= d.id(r)) {
                    stride *= 10;
                }
            }
        }
        List<ScaleResults.Scale> scales = new ArrayList<>();
        SparkScale spark = null;
        try {
            for (int factor : options.factors()) {
                say(String.format(Locale.ROOT, "scale x%d: growing the private split to %,d samples ...", factor,
                        (long) privateSplit.size() * factor));
                // the public split keeps its size but takes on the same transforms (GrownData.mix): the keys and
                // their balancing offsets are fitted on it (docs/scale.md)
                Dataset grown = GrownData.grow(privateSplit, factor, stride);
                Dataset grownPublic = options.growPublic() ? GrownData.grow(publicSplit, factor, stride)
                        : GrownData.mix(publicSplit, factor, stride);
                ModelConfig config = base.withShape(base.adapters() * factor, base.activate());
                Benchmark.Setting setting = new Benchmark.Setting(config.adapters(), config.activate(),
                        config.adapter().toString());
                say("scale x" + factor + ": in process, setting " + setting + " ...");
                LegoNetTrainer.Encoded encoded = new LegoNetTrainer(config, options.threads(), progress)
                        .encode(grownPublic, grown);
                BenchResults.SettingResult inProcess;
                try {
                    float[] testEnc = test == null ? null
                            : Encoders.encodeAll(encoded.encoder(), test, options.threads(), progress);
                    inProcess = bench.runSetting(setting, config, encoded, test, testEnc, classes,
                            machine.peakGflops(), tasks);
                } finally {
                    encoded.close();
                }
                double encodeSeconds = Benchmark.r3(encoded.fitSeconds() + encoded.encodeSeconds());
                ScaleResults.Spark sparkResult = null;
                if (factor <= options.sparkUpTo()) {
                    if (spark == null) {
                        say("starting Spark (" + options.sparkMaster() + ") ...");
                        spark = SparkScale.start(options.sparkMaster(), log);
                    }
                    say("scale x" + factor + ": on Spark " + options.sparkMaster() + " ...");
                    sparkResult = spark.run(config, grownPublic, grown, options.partitions(), inProcess,
                            options.sparkSingles(), org.legonet.core.util.Rng.derive(options.seed(), 0x5ca1e, factor), options.threads(),
                            options.workDir(), progress);
                }
                scales.add(new ScaleResults.Scale(factor, grown.size(), grownPublic.size(), config.adapters(),
                        config.activate(), encodeSeconds, inProcess, sparkResult));
                grown = null;
                grownPublic = null;
                System.gc();
            }
        } finally {
            if (spark != null) {
                spark.close();
            }
        }
        Map<String, Object> notes = new LinkedHashMap<>();
        notes.put("growth", "copy 0 is the private split itself; copy v > 0 shifts every image by up to 2 pixels "
                + "and/or mirrors it (a fixed list of 49 transforms), with fresh ids v * 10^d + id; labels kept. "
                + (options.growPublic() ? "The public split grows the same way."
                : "The public split keeps its size, its row r transformed as copy r mod factor: the keys and their "
                + "balancing offsets are fitted on it, and keys fitted on the plain images alone route the shifted "
                + "and mirrored ones unevenly (docs/scale.md)"));
        notes.put("single_seconds", "in process: wall time of one forget request on an open model (retrain the affected "
                + "adapters from scratch, rewrite the affected data chunks and adapter files, fsync, atomic manifest "
                + "switch), each checked against a from-scratch rebuild of the adapters it retrained");
        notes.put("spark_single", "on Spark: SparkUnlearner.forget on the model directory; p50 as reported (retraining as "
                + "Spark tasks and the store update) and wall (also opening the directory: reading and hashing every "
                + "chunk of encodings, which grows with N)");
        notes.put("peak_heap", "in process: peak heap from training to the last forget; Spark: peak heap of the JVM "
                + "while training and saving (local mode: driver and executors share it)");
        notes.put("train_seconds", "in process: fitting the encoder and encoding every sample, placing and balancing the "
                + "keys on the public encodings (k-means++ and k-means, then the balancing offsets: P x n work per "
                + "k-means iteration and balancing round, P x the factor's square with --grow-public), training the "
                + "adapters; the first factor also pays the JIT's warm-up. Spark: all of it in SparkTrainer.train "
                + "(the encoder and keys on the driver with the same code)");
        ScaleResults.CostModel model = CostModel.of(scales, options.threads());
        return new ScaleResults.Run(started, Benchmark.r1((System.nanoTime() - t0) / 1e9), machine, description,
                publicSplit.size(), test == null ? 0 : test.size(), baseSetting.toString(),
                options.sparkUpTo() > 0 ? options.sparkMaster() : null, options.partitions(), scales, model, notes);
    }

    private void say(String line) {
        if (log != null) {
            log.println(line);
            log.flush();
        }
    }
}
