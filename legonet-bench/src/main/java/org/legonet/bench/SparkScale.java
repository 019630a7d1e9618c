package org.legonet.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.legonet.core.IdKey;
import org.legonet.core.DataSource;
import org.legonet.core.ForgetRequest;
import org.legonet.core.LegoNet;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.UpdateReport;
import org.legonet.core.VerifyReport;
import org.legonet.core.data.Dataset;
import org.legonet.core.util.Rng;
import org.legonet.spark.SparkModel;
import org.legonet.spark.SparkTrainer;
import org.legonet.spark.SparkUnlearner;

/**
 * The Spark half of the scaling study: trains the grown data with {@link SparkTrainer}, compares digests with the
 * in-process model, saves the directory, forgets on it with {@link SparkUnlearner} (Single, Random100, UnClass) and
 * verifies the result in process. Only this class touches Spark, so the rest of the benchmark runs without it.
 */
final class SparkScale implements AutoCloseable {
    private final JavaSparkContext sc;
    private final PrintWriter log;

    private SparkScale(JavaSparkContext sc, PrintWriter log) {
        this.sc = sc;
        this.log = log;
    }

    static SparkScale start(String master, PrintWriter log) {
        try {
            Class.forName("org.apache.spark.SparkContext");
        } catch (ClassNotFoundException e) {
            throw new org.legonet.core.LegoNetException("the scale suite runs Spark, which is not on the class path: "
                    + "run it through ./legonet (which adds Spark's jars for --suite scale), or give --spark-up-to 0");
        }
        SparkConf conf = new SparkConf().setMaster(master).setAppName("legonet-bench-scale")
                .set("spark.ui.enabled", "false");
        if (master.startsWith("local")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        return new SparkScale(new JavaSparkContext(conf), log);
    }

    ScaleResults.Spark run(ModelConfig config, Dataset publicSplit, Dataset grown, int partitions,
                           BenchResults.SettingResult inProcess, int singles, long seed, int threads, Path workDir,
                           Progress progress) throws IOException {
        Path dir = Files.createDirectories(workDir).resolve("scale-spark-" + config.adapters() + "-" + System.nanoTime());
        try {
            Benchmark.resetPeakHeap();
            long t0 = System.nanoTime();
            double trainSeconds;
            double saveSeconds;
            String digest;
            double driverSeconds;
            IdKey idKey = IdKey.generate(); // the model lives as long as the run: its key is never written
            try (SparkModel model = new SparkTrainer(config, threads, progress)
                    .train(sc, publicSplit, SparkTrainer.samples(sc, grown, partitions))) {
                trainSeconds = (System.nanoTime() - t0) / 1e9;
                digest = model.digest();
                driverSeconds = model.stats().totalSeconds() - model.stats().adapterSeconds();
                long s0 = System.nanoTime();
                model.save(dir, false, DataSource.of("scale study: " + grown.name()), idKey);
                saveSeconds = (System.nanoTime() - s0) / 1e9;
            }
            long peak = Benchmark.peakHeap();
            boolean same = digest.equals(inProcess.modelDigest());
            say(String.format(Locale.ROOT, "  Spark: trained in %.1f s (driver: encoder and keys %.1f s; in process %.1f s), "
                            + "saved in %.1f s; digest %s (%s)", trainSeconds, driverSeconds, inProcess.trainSeconds(),
                    saveSeconds, digest.substring(0, 16),
                    same ? "the in-process digest" : "DIFFERENT from the in-process " + inProcess.modelDigest()));

            Rng rng = new Rng(seed);
            long[] ids = grown.ids();
            List<UpdateReport> reports = new ArrayList<>();
            double[] wall = new double[singles];
            List<Long> used = new ArrayList<>();
            for (int i = 0; i < singles; i++) {
                long id = ids[rng.nextInt(ids.length)];
                used.add(id);
                long w0 = System.nanoTime();
                reports.add(SparkUnlearner.forget(sc, dir, idKey, ForgetRequest.ofIds(id), threads, Progress.NONE));
                wall[i] = (System.nanoTime() - w0) / 1e9;
            }
            double[] secs = reports.stream().mapToDouble(UpdateReport::seconds).toArray();
            ScaleResults.SparkSingle single = new ScaleResults.SparkSingle(singles,
                    Benchmark.r4(Benchmark.percentile(secs, 50)), Benchmark.r4(Benchmark.percentile(secs, 95)),
                    Benchmark.r4(Benchmark.percentile(wall, 50)), Benchmark.r4(Benchmark.percentile(wall, 95)),
                    Benchmark.r2(reports.stream().mapToDouble(r -> r.adaptersRetrained().size()).average().orElse(0)),
                    Benchmark.r1(reports.stream().mapToDouble(UpdateReport::samplesRetrained).average().orElse(0)));
            say(String.format(Locale.ROOT, "  Spark Single: p50 %.4f s, p95 %.4f s (wall with opening the directory: "
                    + "p50 %.3f s)", single.p50Seconds(), single.p95Seconds(), single.p50WallSeconds()));

            long[] hundred = new long[100];
            int h = 0;
            while (h < hundred.length) {
                long id = ids[rng.nextInt(ids.length)];
                if (!used.contains(id)) {
                    used.add(id);
                    hundred[h++] = id;
                }
            }
            BenchResults.Task random100 = task("Random100", SparkUnlearner.forget(sc, dir, idKey, ForgetRequest.ofIds(hundred),
                    threads, Progress.NONE));
            int cls = new Rng(Rng.derive(seed, 0x55)).nextInt(Arrays.stream(grown.labels()).max().orElse(0) + 1);
            BenchResults.Task unclass = task("UnClass", SparkUnlearner.forget(sc, dir, idKey, ForgetRequest.ofClass(cls),
                    threads, Progress.NONE));
            say("  Spark: full verify in process of the directory the Spark forgets left ...");
            VerifyReport v;
            try (LegoNet m = LegoNet.open(dir, new LegoNet.Options(threads, Progress.NONE))) {
                v = m.verify();
            }
            say(String.format(Locale.ROOT, "  Spark: verify %s (%d adapters rebuilt in process in %.1f s)",
                    v.exact() ? "EXACT" : "NOT EXACT", v.adaptersRebuilt(), v.seconds()));
            return new ScaleResults.Spark(Benchmark.r3(trainSeconds), Benchmark.r3(driverSeconds), Benchmark.r3(saveSeconds), peak, digest, same,
                    single, random100, unclass, v.exact() ? "EXACT" : "NOT EXACT", Benchmark.r3(v.seconds()));
        } finally {
            Benchmark.deleteTree(dir);
        }
    }

    private BenchResults.Task task(String name, UpdateReport r) {
        say(String.format(Locale.ROOT, "  Spark %s: %d forgotten, %d adapters and %,d samples retrained in %.3f s", name,
                r.forgotten(), r.adaptersRetrained().size(), r.samplesRetrained(), r.seconds()));
        return new BenchResults.Task(name, r.request(), r.forgotten(), r.added(), r.adaptersRetrained().size(),
                r.samplesRetrained(), r.parametersRetrained(), Benchmark.r4(r.seconds()), Benchmark.r4(r.trainSeconds()),
                Benchmark.r4(r.storeSeconds()), null, "see verify", 0);
    }

    private void say(String line) {
        if (log != null) {
            log.println(line);
            log.flush();
        }
    }

    @Override
    public void close() {
        sc.close();
    }
}
