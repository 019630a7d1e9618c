package org.legonet.spark;

import java.util.ArrayList;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import java.util.List;
import java.util.Map;
import org.legonet.core.Aggregate;
import org.legonet.core.Distance;
import org.legonet.core.KeyMethod;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.Trained;
import org.legonet.core.testing.Synthetic;

/** The data, configuration and in-process reference the Spark tests compare against. */
final class Fixture {
    /** pca:5 encoder, 7 adapters of which each sample activates 3, mlp:8 adapters, 3 epochs. */
    static final ModelConfig CONFIG = ModelConfig.defaults().withEncoder("pca:5").withShape(7, 3)
            .withAdapter(AdapterSpec.parse("mlp:8"))
            .withRouting(KeyMethod.KMEANS, Distance.L2, true, Aggregate.MEAN)
            .withTraining(Optimizer.ADAM, 3, 16, 0.01f, true, 0.9f, 1e-4f)
            .withSeed(11);
    /** Gaussian blobs of dimension 8 in 4 classes: 300 public rows, 900 private rows (ids 1000 + 3 r). */
    static final Dataset ALL = Synthetic.blobs(1200, 8, 4, 7, 1000);
    static final Dataset PUBLIC = ALL.slice(0, 300, "public");
    static final Dataset PRIVATE = ALL.slice(300, 1200, "private");

    /** The model trained in process, with core's trainer (what {@code LegoNet.train} runs). */
    static final Reference IN_PROCESS = reference();

    record Reference(String digest, List<String> adapterDigests) {
    }

    private Fixture() {
    }

    /** A local[2] Spark context for a test class: no web UI, every socket on the loopback address. */
    static JavaSparkContext localSpark(String appName) {
        return new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName(appName)
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
    }

    /**
     * A local-cluster context: a master and two workers in this JVM, each starting its executor as a child JVM
     * (C1 only, so they run other machine code than the driver) with this JVM's class path. The first job waits
     * until both executors have registered: on a loaded machine the second can be late.
     */
    static JavaSparkContext localCluster(String appName, Map<String, String> extra) throws java.io.IOException {
        // A worker starts executors with SPARK_HOME/jars on their class path (surefire sets SPARK_HOME to a
        // folder under target/); here it is empty and the executors get this JVM's class path instead.
        String home = System.getenv("SPARK_HOME");
        if (home == null) {
            throw new IllegalStateException("SPARK_HOME is not set; the module's surefire configuration sets it");
        }
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(home, "jars"));
        SparkConf conf = new SparkConf().setMaster("local-cluster[2,1,1024]").setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                .set("spark.cores.max", "2")
                .set("spark.executor.extraJavaOptions", "-XX:TieredStopAtLevel=1");
        extra.forEach(conf::set);
        return new JavaSparkContext(conf);
    }

    private static Reference reference() {
        try (Trained t = new LegoNetTrainer(CONFIG, 2, Progress.NONE).train(PUBLIC, PRIVATE)) {
            List<String> adapters = new ArrayList<>();
            for (int j = 0; j < t.model().adapterCount(); j++) {
                adapters.add(t.model().adapter(j).digest());
            }
            return new Reference(t.model().digest(), adapters);
        }
    }
}
