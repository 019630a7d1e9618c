package org.legonet.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import org.legonet.core.AdapterMask;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.Predictions;
import org.legonet.core.data.CsvOptions;
import org.legonet.core.data.CsvReader;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.IdxArray;
import org.legonet.core.data.IdxReader;
import org.legonet.core.data.NpyArray;
import org.legonet.core.data.NpyReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Predict the classes of samples in a CSV, .npy or IDX file.",
        name = "predict", sortOptions = false,
        description = "Predict the class of each sample in a file: CSV (one sample per line), .npy (first axis = samples) or an IDX images file (as in Fashion-MNIST). Writes CSV (row,label,p0,p1,...) or, with --json, one JSON object with a prediction per sample (label, probabilities, the adapters that answered and the full route).%n%n"
                + "To reproduce an answer of 'legonet serve' bit for bit, pass the mask it names and the digest of its model:%n"
                + "  legonet predict --model DIR -i sample.csv --json --mask 3,17,42 --expect-digest 9f2c...%n"
                + "The directory must hold that model (the generation the answer names); masked adapters do not vote, "
                + "and a sample left with no adapter gets label -1.")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Option(names = {"--input", "-i"}, paramLabel = "FILE", required = true, description = "Samples to predict.")
    Path input;

    @Option(names = {"--output", "-o"}, paramLabel = "FILE", description = "Write predictions here (default: stdout).")
    Path output;

    @Option(names = "--skip-column", paramLabel = "COL",
            description = "CSV column to ignore, by name or 0-based index (for example a label column).")
    String skipColumn;

    @Option(names = "--mask", paramLabel = "LIST",
            description = "Adapters to switch off, as a served answer's mask.adapters, e.g. 3,17,42 (default: none).")
    String mask;

    @Option(names = "--expect-digest", paramLabel = "HEX",
            description = "Refuse to predict unless the directory holds the model with this digest (a served answer's "
                    + "model_digest).")
    String expectDigest;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (LegoNet net = LegoNet.open(dir.model, new LegoNet.Options(common.threads, common.progress()))) {
            if (expectDigest != null && !net.digest().equals(expectDigest.strip().toLowerCase(Locale.ROOT))) {
                throw new LegoNetException("the directory " + dir.model + " holds model " + net.digest() + " (generation "
                        + net.generation() + "), not " + expectDigest.strip() + "; an answer of an earlier generation "
                        + "needs a copy of the directory taken at that generation");
            }
            AdapterMask m = AdapterMask.parse(mask);
            int dim = net.inputDim();
            float[] x = readInput(input, dim);
            int rows = x.length / dim;
            Predictions p = net.predict(x, rows, m);
            int unanswered = 0;
            for (int r = 0; r < rows; r++) {
                unanswered += p.answered(r) ? 0 : 1;
            }
            if (unanswered > 0) {
                spec.commandLine().getErr().printf(Locale.ROOT, "%,d of %,d samples had every adapter that would "
                        + "answer them masked: label -1, no probabilities%n", unanswered, rows);
            }
            generation = net.generation();
            if (output != null) {
                try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8))) {
                    write(w, p);
                }
                spec.commandLine().getErr().printf(Locale.ROOT, "wrote %,d predictions to %s%n", rows, output);
            } else {
                write(spec.commandLine().getOut(), p);
            }
        }
        return 0;
    }

    private long generation;

    private void write(PrintWriter out, Predictions p) {
        int c = p.classes();
        if (common.json) {
            List<Object> preds = new ArrayList<>();
            for (int r = 0; r < p.size(); r++) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("row", r);
                one.put("label", p.label(r));
                if (p.answered(r)) {
                    List<Float> ps = new ArrayList<>();
                    for (float v : p.probabilities(r)) {
                        ps.add(v);
                    }
                    one.put("probabilities", ps);
                }
                one.put("adapters", p.voters(r));
                one.put("route", p.adapters(r));
                preds.add(one);
            }
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model_digest", p.modelDigest());
            j.put("generation", generation);
            j.put("mask", Map.of("adapters", p.mask().adapters()));
            j.put("predictions", preds);
            Out.json(out, j);
            return;
        }
        StringBuilder head = new StringBuilder("row,label");
        for (int j = 0; j < c; j++) {
            head.append(",p").append(j);
        }
        out.println(head);
        for (int r = 0; r < p.size(); r++) {
            StringBuilder b = new StringBuilder();
            b.append(r).append(',').append(p.label(r));
            float[] probs = p.probabilities(r);
            for (int j = 0; j < c; j++) {
                b.append(',').append(probs == null ? "" : String.format(Locale.ROOT, "%.6f", probs[j]));
            }
            out.println(b);
        }
        out.flush();
    }

    private float[] readInput(Path file, int dim) throws IOException {
        if (!Files.exists(file)) {
            throw new LegoNetException("input " + file + " does not exist");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        float[] values;
        int perRow;
        if (name.endsWith(".npy")) {
            NpyArray a = NpyReader.read(file);
            values = a.values();
            perRow = a.shape().length <= 1 ? 1 : a.count() / Math.max(1, a.shape()[0]);
            if (a.shape().length == 1 && a.count() == dim) {
                perRow = dim;
            }
        } else if (name.endsWith(".csv") || name.endsWith(".csv.gz") || name.endsWith(".txt")) {
            CsvOptions opts = CsvOptions.DEFAULTS.withLabelColumn(skipColumn);
            Dataset d = CsvReader.readUnlabelled(file, opts);
            perRow = d.dim();
            values = new float[d.size() * d.dim()];
            for (int r = 0; r < d.size(); r++) {
                d.copyRow(r, values, r * d.dim());
            }
        } else if (isIdx(file)) {
            IdxArray a = IdxReader.read(file);
            values = a.values();
            perRow = a.rank() <= 1 ? 1 : a.count() / a.dims()[0];
        } else {
            throw new LegoNetException("input " + file + " is not a .csv, .npy or IDX file");
        }
        if (perRow != dim) {
            throw new LegoNetException("input " + file + " has " + perRow + " features per sample; the model expects " + dim);
        }
        if (values.length == 0) {
            throw new LegoNetException("input " + file + " holds no samples");
        }
        return values;
    }

    private static boolean isIdx(Path file) throws IOException {
        byte[] head = new byte[4];
        try (InputStream raw = Files.newInputStream(file)) {
            int n = raw.readNBytes(head, 0, 4);
            if (n >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                    n = in.readNBytes(head, 0, 4);
                }
            }
            return n == 4 && head[0] == 0 && head[1] == 0;
        }
    }
}
