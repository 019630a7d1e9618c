package org.legonet.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.legonet.core.LegoNetException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Runs {@code train}, {@code forget}, {@code add}, {@code verify}, {@code info}, {@code eval} and
 * {@code predict} on a tiny synthetic model in a temporary directory, printing nothing. The
 * {@code legonet} launcher runs it once per build with {@code -XX:ArchiveClassesAtExit}, so that
 * every later command starts from a class-data-sharing archive of the classes these commands load
 * (a one-off {@code forget} then spends less of its time loading and verifying classes). Hidden:
 * not a user command.
 */
@Command(name = "archive-run", hidden = true,
        description = "Internal (the launcher's class-data-sharing archive): run the common commands on a tiny "
                + "synthetic model in a temporary directory; prints nothing.")
final class ArchiveRunCommand implements Callable<Integer> {
    private static final int FEATURES = 100;
    private static final int ROWS = 400;

    @Override
    public Integer call() throws IOException {
        Path tmp = Files.createTempDirectory("legonet-archive-run-");
        try {
            Path csv = tmp.resolve("data.csv");
            writeCsv(csv);
            Path model = tmp.resolve("model");
            String m = model.toString();
            run("train", "--model", m, "--data", csv.toString(), "--label-column", "label", "--public", "150",
                    "-n", "10", "-k", "2", "--epochs", "1", "--quiet");
            run("forget", "--model", m, "--id", "200", "--quiet");
            run("forget", "--model", m, "--id", "201", "--json");
            run("add", "--model", m, "--data", csv.toString(), "--label-column", "label", "--first-id", "100000",
                    "--quiet");
            run("verify", "--model", m, "--quiet");
            run("info", "--model", m);
            run("eval", "--model", m, "--data", csv.toString(), "--label-column", "label", "--quiet");
            run("predict", "--model", m, "--input", csv.toString(), "--skip-column", "label", "--output",
                    tmp.resolve("p.csv").toString());
            return 0;
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(String... args) {
        CommandLine cl = LegoNetCli.commandLine();
        PrintWriter nowhere = new PrintWriter(OutputStream.nullOutputStream());
        cl.setOut(nowhere);
        cl.setErr(nowhere);
        int code = cl.execute(args);
        if (code != 0) {
            throw new LegoNetException("archive run: '" + args[0] + "' exited with " + code);
        }
    }

    /** Blobs of byte-valued features in 10 classes, with a label column. */
    private static void writeCsv(Path file) throws IOException {
        Random rng = new Random(1);
        StringBuilder b = new StringBuilder("label");
        for (int c = 0; c < FEATURES; c++) {
            b.append(",p").append(c);
        }
        b.append('\n');
        for (int r = 0; r < ROWS; r++) {
            int label = r % 10;
            b.append(label);
            for (int c = 0; c < FEATURES; c++) {
                int v = (int) Math.max(0, Math.min(255, 128 + 40 * Math.sin(c * (label + 1) * 0.01) + 20 * rng.nextGaussian()));
                b.append(',').append(v);
            }
            b.append('\n');
        }
        Files.writeString(file, b, StandardCharsets.UTF_8);
    }
}
