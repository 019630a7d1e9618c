package org.legonet.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.Progress;
import org.legonet.core.data.DataLoader;
import org.legonet.core.data.DataSpec;
import org.legonet.core.data.Dataset;

/**
 * {@link SparkData} with executors in separate JVMs ({@code local-cluster[2,1,1024]}, set up as in
 * {@link SeparateExecutorsTest}): the row ranges of a {@code .npy} file and the lines of a CSV file
 * are read in the executors' JVMs (Hadoop's configuration, the readers' state and core's parsers
 * crossing the process boundary) and give the same samples; CSV gives the in-process model. (Parquet
 * is left out: Spark SQL in cold C1-only executor JVMs added about 47 s on this machine.)
 */
class SparkDataSeparateExecutorsTest {
    @Test
    void executorsInOtherJvmsReadTheSameData(@TempDir Path tmp) throws Exception {
        JavaSparkContext sc = Fixture.localCluster("legonet-spark-data-cluster",
                java.util.Map.of("spark.sql.shuffle.partitions", "4"));
        try {
            long driverPid = ProcessHandle.current().pid();
            assertThat(sc.parallelize(List.of(1, 2, 3, 4), 4).map(i -> ProcessHandle.current().pid())
                    .collect()).as("executor processes").doesNotContain(driverPid);

            Path npy = tmp.resolve("x.npy");
            Files.write(npy, SparkDataTest.npyFloats(Fixture.ALL));
            Files.write(tmp.resolve("x_labels.npy"), SparkDataTest.npyLongs(Fixture.ALL.labels()));
            SparkData.Input ranges = SparkData.read(sc, npy.toString(), new SparkData.Options(null, null, null, 300,
                    null, 4));
            Dataset fromCore = DataLoader.load(DataSpec.of(npy)).train();
            SparkDataTest.assertSamples(ranges.privateSamples().collect(), fromCore.slice(300, 1200, "private"));

            Path csv = Files.writeString(tmp.resolve("blobs.csv"), SparkDataTest.csv(Fixture.ALL));
            SparkData.Input lines = SparkData.read(sc, csv.toString(), new SparkData.Options(null, null, "id", 300,
                    null, 3));
            assertThat(lines.publicSplit().fingerprint()).isEqualTo(Fixture.PUBLIC.fingerprint());
            try (SparkModel m = new SparkTrainer(Fixture.CONFIG, 2, Progress.NONE)
                    .train(sc, lines.publicSplit(), lines.privateSamples())) {
                assertThat(m.digest()).isEqualTo(Fixture.IN_PROCESS.digest());
            }
        } finally {
            sc.stop();
        }
    }
}
