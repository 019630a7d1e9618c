package org.legonet.spark;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.legonet.core.DataSource;
import org.legonet.core.data.CsvOptions;
import org.legonet.core.data.DataLoader;
import org.legonet.core.data.DataSpec;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.LoadedData;
import org.legonet.core.data.Splits;

/**
 * STUB for branch i11-cli only (the lead drops this commit at merge): the signature of helper A's
 * {@code SparkData} (branch i11-io) from CONTRACT11.md, reading a local path on the driver with
 * core's readers so that the CLI's Spark path compiles and runs until the real class lands.
 */
public final class SparkData {
    private SparkData() {
    }

    /** Options: mirrors the CLI's DataOptions that make sense for training data. */
    public record Options(String labels, String labelColumn, String idColumn, Integer publicSize, Integer limit,
                          int partitions) {
    }

    /** What a job trains on. */
    public record Input(Dataset publicSplit, JavaRDD<Sample> privateSamples, DataSource source, int featureDim,
                        int[] sampleShape, long privateRows) {
    }

    /** Reads {@code uri} (stub: a local path only, on the driver). */
    public static Input read(JavaSparkContext sc, String uri, Options options) {
        Path data = Path.of(uri.startsWith("file:") ? java.net.URI.create(uri).getPath() : uri);
        LoadedData loaded = DataLoader.load(new DataSpec(data, options.labels() == null ? null : Path.of(options.labels()),
                null, null, CsvOptions.DEFAULTS.withLabelColumn(options.labelColumn()).withIdColumn(options.idColumn())));
        Dataset train = loaded.train();
        if (options.limit() != null && options.limit() < train.size()) {
            train = train.slice(0, options.limit(), train.name());
        }
        int pub = options.publicSize() != null ? options.publicSize()
                : Splits.defaultPublicSize(new LoadedData(train, loaded.test(), loaded.description(),
                        loaded.fashionMnistLayout() && options.limit() == null));
        Splits splits = Splits.of(train, pub);
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("data", data.toAbsolutePath().normalize().toString());
        spec.put("public", pub);
        DataSource source = new DataSource(loaded.description(), data.toString(), spec, train.size());
        return new Input(splits.publicSplit(), SparkTrainer.samples(sc, splits.privateSplit(), options.partitions()),
                source, train.dim(), train.sampleShape(), splits.privateSplit().size());
    }
}
