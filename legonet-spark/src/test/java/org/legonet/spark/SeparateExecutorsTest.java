package org.legonet.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.LegoNet;
import org.legonet.core.Progress;
import org.legonet.core.VerifyReport;

/**
 * Executors in separate JVMs ({@code local-cluster[2,1,1024]}: a master and two workers in this
 * JVM, each worker launching its executor as a child JVM): the encoder, the keys, the samples and
 * the adapters cross process boundaries in serialized form, and the model is still the in-process
 * one bit for bit; a forget whose adapters are retrained there leaves the directory the facade's
 * forget leaves.
 */
class SeparateExecutorsTest {
    @Test
    void executorsInOtherJvmsTrainAndForgetAsTheInProcessEngine(@TempDir Path tmp) throws Exception {
        // A worker starts executors with SPARK_HOME/jars on their class path (surefire sets SPARK_HOME to
        // a folder under target/); here it is empty and the executors get this JVM's class path instead.
        String home = System.getenv("SPARK_HOME");
        assertThat(home).as("SPARK_HOME, set by the module's surefire configuration").isNotNull();
        Files.createDirectories(Path.of(home, "jars"));
        SparkConf conf = new SparkConf().setMaster("local-cluster[2,1,1024]").setAppName("legonet-spark-cluster-test")
                .set("spark.ui.enabled", "false")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                // start the first job only once both executors (2 cores in all) have registered: on a loaded
                // machine the second one can be late, and the pid check below would see one process
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                .set("spark.cores.max", "2")
                // C1 only: executors start faster, and run other machine code than the driver (results must not care)
                .set("spark.executor.extraJavaOptions", "-XX:TieredStopAtLevel=1");
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            long driverPid = ProcessHandle.current().pid();
            java.util.List<Long> pids = sc.parallelize(java.util.List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
                    .map(i -> ProcessHandle.current().pid()).distinct().collect();
            assertThat(pids).as("executor processes").hasSize(2).doesNotContain(driverPid);
            try (SparkModel m = new SparkTrainer(Fixture.CONFIG, 2, Progress.NONE)
                    .train(sc, Fixture.PUBLIC, SparkTrainer.samples(sc, Fixture.PRIVATE, 4))) {
                assertThat(m.adapterDigests()).isEqualTo(Fixture.IN_PROCESS.adapterDigests());
                assertThat(m.digest()).isEqualTo(Fixture.IN_PROCESS.digest());
                // the chunks written by the executors' JVMs, the store verified there
                m.save(tmp.resolve("saved-on-spark"), false, null);
            }
            try (LegoNet net = LegoNet.train(Fixture.CONFIG, Fixture.PUBLIC, Fixture.PRIVATE)) {
                net.save(tmp.resolve("saved-in-process"));
            }
            SparkModelSaveTest.assertSameDirectory(tmp.resolve("saved-on-spark"), tmp.resolve("saved-in-process"));
            VerifyReport v = SparkVerifier.verify(sc, tmp.resolve("saved-on-spark"), 2, Progress.NONE);
            assertThat(v.provenExact()).isTrue();
            Path[] d = SparkUnlearnerTest.twoCopies(tmp);
            long[] ids = {Fixture.PRIVATE.id(7), Fixture.PRIVATE.id(300)};
            SparkUnlearnerTest.sameUpdate(sc, d[0], d[1], Edit.forget(ForgetRequest.ofIds(ids)));
        } finally {
            sc.stop();
        }
    }
}
