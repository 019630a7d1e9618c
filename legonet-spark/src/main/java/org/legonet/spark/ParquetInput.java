package org.legonet.spark;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.legonet.core.DataSource;
import org.legonet.core.data.DataException;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.Splits;

/**
 * Parquet training data for {@link SparkData}: read by Spark SQL on the executors; the public split
 * is the rows with the smallest ids.
 *
 * <p>A Spark ML vector column is read as what Parquet stores for it, the struct {@code (type: byte,
 * size: int, indices: array<int>, values: array<double>)} (type 1 dense, 0 sparse), so neither
 * spark-mllib nor its {@code VectorUDT} is needed on the class path.
 */
final class ParquetInput {
    /** What a Spark ML vector is in Parquet (VectorUDT's sqlType). */
    static final StructType VECTOR = new StructType(new StructField[] {
        DataTypes.createStructField("type", DataTypes.ByteType, false),
        DataTypes.createStructField("size", DataTypes.IntegerType, true),
        DataTypes.createStructField("indices", DataTypes.createArrayType(DataTypes.IntegerType, false), true),
        DataTypes.createStructField("values", DataTypes.createArrayType(DataTypes.DoubleType, false), true)});

    /** How the features column holds a row's values. */
    enum Kind { FLOATS, DOUBLES, VECTOR }

    private ParquetInput() {
    }

    static SparkData.Input read(JavaSparkContext sc, String uri, SparkData.Options o) {
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        String idColumn = o.idColumn() != null ? o.idColumn() : "id";
        String labelColumn = o.labelColumn() != null ? o.labelColumn() : "label";
        org.apache.spark.sql.Dataset<Row> raw = load(spark, uri, null);
        StructType schema = raw.schema();
        StructField id = field(schema, idColumn, "id", uri);
        StructField label = field(schema, labelColumn, "label", uri);
        StructField features = field(schema, "features", "features", uri);
        if (!id.dataType().equals(DataTypes.LongType) && !id.dataType().equals(DataTypes.IntegerType)) {
            throw wrongType(uri, id, "int or long");
        }
        if (!label.dataType().equals(DataTypes.IntegerType) && !label.dataType().equals(DataTypes.ShortType)
                && !label.dataType().equals(DataTypes.ByteType)) {
            throw wrongType(uri, label, "int");
        }
        Kind kind = kindOf(features.dataType());
        if (kind == null) {
            throw wrongType(uri, features, "array<float>, array<double> or a Spark ML vector");
        }
        if (features.dataType() instanceof UserDefinedType<?>) {
            // a VectorUDT column (spark-mllib on the class path): read its stored struct instead
            StructType plain = new StructType(new StructField[] {id, label,
                DataTypes.createStructField("features", VECTOR, features.nullable())});
            raw = load(spark, uri, plain);
        }
        org.apache.spark.sql.Dataset<Row> df = raw.select(col(idColumn).cast(DataTypes.LongType).as("id"),
                col(labelColumn).cast(DataTypes.IntegerType).as("label"), col("features"));

        long total = df.count();
        long rows = o.limit() != null ? Math.min(total, o.limit()) : total;
        if (rows == 0) {
            throw SparkData.error(uri, "holds no rows");
        }
        org.apache.spark.sql.Dataset<Row> kept = df;
        if (rows < total) {
            // the limit smallest ids (a top-k on each partition, merged on the driver; no sort shuffle)
            List<Row> smallest = df.select("id").orderBy(col("id")).limit((int) rows).collectAsList();
            long last = smallest.get(smallest.size() - 1).getLong(0);
            kept = df.filter(col("id").leq(last));
            long counted = kept.count();
            if (counted != rows) {
                throw SparkData.error(uri, "ids are not unique: " + counted + " rows have ids up to " + last
                        + ", the " + rows + " smallest ids");
            }
        }
        int pub = o.publicSize() != null ? o.publicSize() : Splits.defaultPublicSize(rows, false);
        SparkData.checkPublicSize(pub, rows);
        List<Row> publicRows = kept.orderBy(col("id")).limit(pub).collectAsList();
        List<Sample> publicSamples = new ArrayList<>(pub);
        for (Row r : publicRows) {
            Sample s = sample(r, kind, -1, uri);
            if (!publicSamples.isEmpty() && publicSamples.get(publicSamples.size() - 1).id() == s.id()) {
                throw SparkData.error(uri, "id " + s.id() + " appears more than once");
            }
            publicSamples.add(s);
        }
        int dim = publicSamples.get(0).features().length;
        long lastPublic = publicSamples.get(pub - 1).id();
        long upToLastPublic = kept.filter(col("id").leq(lastPublic)).count();
        if (upToLastPublic != pub) {
            throw SparkData.error(uri, "ids are not unique: " + upToLastPublic + " rows have ids up to " + lastPublic
                    + ", the " + pub + " smallest ids");
        }
        Dataset publicSplit = dataset(publicSamples, dim, uri);
        JavaRDD<Row> privateRows = kept.filter(col("id").gt(lastPublic))
                .repartition(o.partitions(), col("id")).javaRDD();
        JavaRDD<Sample> privateSamples = privateRows.mapPartitions(it -> samples(it, kind, dim, uri));
        String description = "Parquet data " + uri + ": " + rows + " training samples of shape " + dim
                + ", public split: the " + pub + " smallest ids";
        DataSource source = new DataSource(description, uri, SparkData.spec(uri, o, pub),
                (int) Math.min(Integer.MAX_VALUE, rows));
        return new SparkData.Input(publicSplit, privateSamples, source, dim, new int[] {dim}, rows - pub);
    }

    private static org.apache.spark.sql.Dataset<Row> load(SparkSession spark, String uri, StructType schema) {
        try {
            return schema == null ? spark.read().parquet(uri) : spark.read().schema(schema).parquet(uri);
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines()
                    .findFirst().orElse("");
            throw SparkData.error(uri, "cannot read as Parquet (" + message + ")");
        }
    }

    private static StructField field(StructType schema, String name, String role, String uri) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw SparkData.error(uri, "no " + role + " column '" + name + "'; the columns are "
                + String.join(", ", schema.fieldNames()));
    }

    private static DataException wrongType(String uri, StructField f, String expected) {
        return SparkData.error(uri, "column '" + f.name() + "' is " + f.dataType().simpleString() + ", expected "
                + expected);
    }

    static Kind kindOf(DataType type) {
        if (type instanceof ArrayType a) {
            if (a.elementType().equals(DataTypes.FloatType)) {
                return Kind.FLOATS;
            }
            if (a.elementType().equals(DataTypes.DoubleType)) {
                return Kind.DOUBLES;
            }
            return null;
        }
        if (type instanceof UserDefinedType<?> udt && isVector(udt.sqlType())) {
            return Kind.VECTOR;
        }
        return isVector(type) ? Kind.VECTOR : null;
    }

    /** Whether {@code type} is {@link #VECTOR}, whatever the nullability of its parts. */
    private static boolean isVector(DataType type) {
        if (!(type instanceof StructType s) || s.fields().length != VECTOR.fields().length) {
            return false;
        }
        for (int i = 0; i < s.fields().length; i++) {
            StructField f = s.fields()[i];
            StructField v = VECTOR.fields()[i];
            DataType t = f.dataType() instanceof ArrayType a ? DataTypes.createArrayType(a.elementType(), false)
                    : f.dataType();
            if (!f.name().equals(v.name()) || !t.equals(v.dataType())) {
                return false;
            }
        }
        return true;
    }

    private static Iterator<Sample> samples(Iterator<Row> rows, Kind kind, int dim, String uri) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Sample next() {
                return sample(rows.next(), kind, dim, uri);
            }
        };
    }

    /**
     * One row (id, label, features) as a sample, with core's rules: a non-negative label, finite
     * features (a double is rounded to float, and must stay finite), {@code dim} of them (any when
     * {@code dim} is -1).
     */
    static Sample sample(Row r, Kind kind, int dim, String uri) {
        if (r.isNullAt(0)) {
            throw SparkData.error(uri, "a row has a null id");
        }
        long id = r.getLong(0);
        if (r.isNullAt(1)) {
            throw SparkData.error(uri, "id " + id + ": null label");
        }
        int label = r.getInt(1);
        if (label < 0) {
            throw SparkData.error(uri, "id " + id + ": label " + label + " is not a non-negative integer");
        }
        if (r.isNullAt(2)) {
            throw SparkData.error(uri, "id " + id + ": null features");
        }
        float[] x = switch (kind) {
            case FLOATS, DOUBLES -> values(r.getList(2), id, uri);
            case VECTOR -> vector(r.getStruct(2), id, uri);
        };
        if (x.length == 0) {
            throw SparkData.error(uri, "id " + id + ": no features");
        }
        if (dim >= 0 && x.length != dim) {
            throw SparkData.error(uri, "id " + id + ": " + x.length + " features, the public split's rows have "
                    + dim);
        }
        return new Sample(id, label, x);
    }

    private static float[] values(List<Object> list, long id, String uri) {
        float[] x = new float[list.size()];
        for (int i = 0; i < x.length; i++) {
            Object v = list.get(i);
            if (v == null) {
                throw SparkData.error(uri, "id " + id + ": feature " + i + " is null");
            }
            x[i] = toFloat(((Number) v).doubleValue(), v instanceof Float, i, id, uri);
        }
        return x;
    }

    private static float[] vector(Row v, long id, String uri) {
        byte type = v.getByte(0);
        List<Object> values = v.isNullAt(3) ? List.of() : v.getList(3);
        if (type == 1) {
            return values(values, id, uri);
        }
        if (type != 0 || v.isNullAt(1) || v.isNullAt(2)) {
            throw SparkData.error(uri, "id " + id + ": malformed vector (type " + type + ")");
        }
        int size = v.getInt(1);
        List<Object> indices = v.getList(2);
        if (size < 0 || indices.size() != values.size()) {
            throw SparkData.error(uri, "id " + id + ": malformed sparse vector of size " + size);
        }
        float[] x = new float[size];
        for (int k = 0; k < indices.size(); k++) {
            int i = (Integer) indices.get(k);
            if (i < 0 || i >= size) {
                throw SparkData.error(uri, "id " + id + ": sparse vector index " + i + " outside 0.." + (size - 1));
            }
            x[i] = toFloat((Double) values.get(k), false, i, id, uri);
        }
        return x;
    }

    /** A feature as core's readers take it: finite, a double rounded to the nearest float. */
    private static float toFloat(double d, boolean isFloat, int i, long id, String uri) {
        if (!Double.isFinite(d)) {
            throw SparkData.error(uri, "id " + id + ": feature " + i + " is not finite ("
                    + (Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity") + ")");
        }
        float f = (float) d;
        if (!isFloat && Float.isInfinite(f)) {
            throw SparkData.error(uri, "id " + id + ": feature " + i + " holds " + d + ", outside the float range");
        }
        return f;
    }

    private static Dataset dataset(List<Sample> samples, int dim, String uri) {
        int n = samples.size();
        long[] ids = new long[n];
        int[] labels = new int[n];
        float[] x = new float[n * dim];
        for (int r = 0; r < n; r++) {
            Sample s = samples.get(r);
            if (s.features().length != dim) {
                throw SparkData.error(uri, "id " + s.id() + ": " + s.features().length + " features, id "
                        + samples.get(0).id() + " has " + dim);
            }
            ids[r] = s.id();
            labels[r] = s.label();
            System.arraycopy(s.features(), 0, x, r * dim, dim);
        }
        String name = SparkData.hadoopPath(uri).getName();
        return new Dataset(name + " (public)", ids, labels, x, new int[] {dim});
    }
}
