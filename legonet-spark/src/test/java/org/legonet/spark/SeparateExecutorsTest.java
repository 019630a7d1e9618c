package org.legonet.spark;

import org.legonet.core.testing.SmallModels;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
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
        JavaSparkContext sc = Fixture.localCluster("legonet-spark-cluster-test", java.util.Map.of());
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
                m.save(tmp.resolve("saved-on-spark"), false, null, SmallModels.ID_KEY);
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
