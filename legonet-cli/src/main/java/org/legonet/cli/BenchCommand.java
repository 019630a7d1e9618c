package org.legonet.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.legonet.bench.BenchResults;
import org.legonet.bench.Benchmark;
import org.legonet.bench.PaperReport;
import org.legonet.bench.PaperResults;
import org.legonet.bench.PaperSuite;
import org.legonet.bench.Report;
import org.legonet.bench.ScaleReport;
import org.legonet.bench.ScaleResults;
import org.legonet.bench.ScaleSuite;
import org.legonet.bench.privacy.PrivacyAudit;
import org.legonet.bench.privacy.PrivacyResults;
import org.legonet.core.LegoNet;
import org.legonet.core.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Measure accuracy, forget speed and exactness on this machine; write JSON and Markdown.",
        name = "bench", sortOptions = false,
        description = "Measure LegoNet on this machine (protocol: docs/benchmark-protocol.md): for each setting of an (n, k) grid with MLP and linear adapters, accuracy, adapter sizes and the expected cost per removal, training speed against the machine's FMA peak, Single (p50/p95 of one-sample forgets), Random100 and UnClass with accuracy before and after, retraining all adapters, and verify after every forget; single-adapter baselines beside them. Writes JSON and a Markdown report. --quick: the default setting only (about a minute).")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--suite", paramLabel = "SUITE", description = "core (default): LegoNet's grid on the configured "
            + "encoder. paper: the LegoNet paper's experiments with a CNN encoder against Retrain, SISA, FixSISA and a "
            + "single adapter, the segmentation table and plots (about an hour here; --quick: a few minutes). "
            + "scale: the scaling study: the private split grown by each of --scales (shifts and mirror images, fresh "
            + "ids) with n grown in proportion, in process and on Spark, and a cost model for larger data "
            + "(docs/scale.md; needs a large heap, e.g. JAVA_OPTS=-Xmx20g). "
            + "privacy: trains the default setting (or the one --setting names), forgets --forget random private "
            + "samples in memory and runs the privacy audit on it ('legonet privacy'; docs/privacy.md); --quick: 4 "
            + "shadow models, 20 trials, 1,000 samples per set.")
    String suite = "core";

    @Option(names = "--scales", paramLabel = "F,F,...", split = ",", description = "scale suite: the factors, "
            + "ascending, each at most 50. Default: 1,10.")
    List<Integer> scales;

    @Option(names = "--spark-up-to", paramLabel = "F", description = "scale suite: run Spark at every factor up to F "
            + "(0: in process only). Default: ${DEFAULT-VALUE}.")
    int sparkUpTo = 10;

    @Option(names = "--spark-master", paramLabel = "URL", description = "scale suite: the Spark master. "
            + "Default: ${DEFAULT-VALUE}.")
    String sparkMaster = "local[2]";

    @Option(names = "--spark-partitions", paramLabel = "P", description = "scale suite: input partitions of the "
            + "private samples on Spark. Default: ${DEFAULT-VALUE}.")
    int sparkPartitions = 8;

    @Option(names = "--spark-singles", paramLabel = "N", description = "scale suite: one-sample forgets per factor "
            + "on Spark. Default: ${DEFAULT-VALUE}.")
    int sparkSingles = 5;

    @Option(names = "--grow-public", description = "scale suite: grow the public split with the factor too (placing "
            + "the keys then costs P x n, the square of the factor). Default: the public split keeps its size and "
            + "takes on the same shifts and mirror images.")
    boolean growPublic;

    @Option(names = "--quick", description = "core: the default setting and one baseline only (about a minute). "
            + "paper: small slices of the data, tiny networks, a few minutes.")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every figure as JSON here "
            + "(default: bench-results/bench[-quick].json).")
    Path json;

    @Option(names = "--report", paramLabel = "FILE", description = "Write the Markdown report here "
            + "(default: bench-results/bench[-quick].md).")
    Path report;

    @Option(names = "--setting", paramLabel = "NxK[:ARCH]", description = "A LegoNet setting to measure, e.g. 100x4:mlp:128 "
            + "(repeat for several; replaces the grid).")
    List<String> settings;

    @Option(names = "--singles", paramLabel = "N", description = "One-sample forgets per setting. Default: ${DEFAULT-VALUE}.")
    int singles = 20;

    @Option(names = "--bench-seed", paramLabel = "S", description = "Seed of the random forget requests. Default: ${DEFAULT-VALUE}.")
    long benchSeed = 7;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where temporary model directories go "
            + "(default: the system temporary directory).")
    Path workDir;

    @Option(names = "--threads", paramLabel = "T", description = "Worker threads (default: all ${sys:legonet.cores} cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = {"-q", "--quiet"}, description = "No progress lines.")
    boolean quiet;

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    ModelOptions options = new ModelOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (suite.equals("paper")) {
            return paper();
        }
        if (suite.equals("scale")) {
            return scale();
        }
        if (suite.equals("privacy")) {
            return privacy();
        }
        if (!suite.equals("core")) {
            throw new org.legonet.core.LegoNetException("--suite must be core, paper, scale or privacy, got '" + suite
                    + "'");
        }
        ModelConfig base = options.config();
        List<Benchmark.Setting> grid = new ArrayList<>();
        if (settings != null) {
            for (String s : settings) {
                grid.add(Benchmark.Setting.parse(s));
            }
        } else {
            grid.addAll(quick ? Benchmark.Options.quickGrid() : Benchmark.Options.fullGrid());
        }
        List<String> baselines = quick ? List.of(base.adapter().toString()) : List.of("mlp:128", "linear");
        Path work = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
        Benchmark.Options opts = new Benchmark.Options(quick, singles, benchSeed, threads, grid, baselines, base, work);
        PrintWriter err = spec.commandLine().getErr();
        CliProgress progress = CliProgress.create(true);
        DataOptions.Prepared p = data.prepare(progress);
        BenchResults.Run run = new Benchmark(opts, progress, quiet ? null : err)
                .run(p.publicSplit(), p.privateSplit(), p.test(), p.description());
        String stem = quick ? "bench-quick" : "bench";
        Path jsonFile = json != null ? json : Path.of("bench-results", stem + ".json");
        Path mdFile = report != null ? report : Path.of("bench-results", stem + ".md");
        Report.writeJson(run, jsonFile);
        Report.writeMarkdown(run, mdFile);
        PrintWriter out = spec.commandLine().getOut();
        out.print(Report.markdown(run));
        out.println();
        out.println("Wrote " + jsonFile + " and " + mdFile + ".");
        out.flush();
        return 0;
    }

    private Integer scale() throws IOException {
        if (settings != null && settings.size() != 1) {
            throw new org.legonet.core.LegoNetException("--suite scale takes one --setting (the setting at x1), got "
                    + settings.size());
        }
        ModelConfig base = options.config();
        if (settings != null) {
            Benchmark.Setting s = Benchmark.Setting.parse(settings.get(0));
            base = base.withShape(s.n(), s.k()).withAdapter(org.legonet.core.adapter.AdapterSpec.parse(s.adapter()));
        }
        Path work = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
        ScaleSuite.Options opts = new ScaleSuite.Options(scales != null ? scales : List.of(1, 10), sparkUpTo,
                sparkMaster, sparkPartitions, singles, sparkSingles, benchSeed, threads, base, work, growPublic);
        PrintWriter err = spec.commandLine().getErr();
        CliProgress progress = CliProgress.create(true);
        DataOptions.Prepared p = data.prepare(progress);
        ScaleResults.Run run = new ScaleSuite(opts, progress, quiet ? null : err)
                .run(p.publicSplit(), p.privateSplit(), p.test(), p.description());
        Path jsonFile = json != null ? json : Path.of("bench-results", "scale.json");
        Path mdFile = report != null ? report : Path.of("bench-results", "scale.md");
        ScaleReport.writeJson(run, jsonFile);
        Path plot = ScaleReport.writeMarkdown(run, mdFile);
        PrintWriter out = spec.commandLine().getOut();
        out.print(ScaleReport.markdown(run, plot.getFileName().toString()));
        out.println();
        out.println("Wrote " + jsonFile + ", " + mdFile + " and " + plot + ".");
        out.flush();
        return 0;
    }

    @Option(names = "--forget", paramLabel = "N", description = "privacy suite: random private samples forgotten "
            + "before the audit. Default: ${DEFAULT-VALUE}.")
    int forget = 100;

    private Integer privacy() throws IOException {
        if (settings != null && settings.size() != 1) {
            throw new org.legonet.core.LegoNetException("--suite privacy takes one --setting, got " + settings.size());
        }
        ModelConfig config = options.config();
        if (settings != null) {
            Benchmark.Setting s = Benchmark.Setting.parse(settings.get(0));
            config = config.withShape(s.n(), s.k()).withAdapter(org.legonet.core.adapter.AdapterSpec.parse(s.adapter()));
        }
        PrivacyAudit.Options defaults = PrivacyAudit.Options.defaults();
        PrivacyAudit.Options opts = (quick ? defaults.withShadows(4).withTrials(20).withMaxPerSet(1000) : defaults)
                .withSeed(benchSeed).withThreads(threads);
        CliProgress progress = CliProgress.create(quiet);
        DataOptions.Prepared p = data.prepare(progress);
        if (p.test() == null) {
            throw new org.legonet.core.LegoNetException("the privacy suite needs a test split; pass --test");
        }
        if (forget < 1 || forget >= p.privateSplit().size()) {
            throw new org.legonet.core.LegoNetException("--forget must be between 1 and "
                    + (p.privateSplit().size() - 1) + ", got " + forget);
        }
        PrivacyResults.Run run;
        try (LegoNet trained = LegoNet.train(config, p.publicSplit(), p.privateSplit(),
                new LegoNet.Options(threads, progress), null)) {
            long[] held = trained.retainedIds();
            java.util.List<Long> ids = new java.util.ArrayList<>();
            for (long id : held) {
                ids.add(id);
            }
            java.util.Collections.shuffle(ids, new java.util.Random(benchSeed));
            long[] gone = ids.subList(0, forget).stream().mapToLong(Long::longValue).sorted().toArray();
            LegoNet net = trained.forget(gone).next();
            run = new PrivacyAudit(opts, progress).run(net, p.privateSplit(), p.test(), forget);
        }
        String stem = quick ? "privacy-quick" : "privacy";
        Path jsonFile = json != null ? json : Path.of("bench-results", stem + ".json");
        Path mdFile = report != null ? report : Path.of("bench-results", stem + ".md");
        return PrivacyCommand.write(run, jsonFile, mdFile, spec.commandLine().getOut());
    }

    @Option(names = "--redraw", paramLabel = "JSON", description = "paper suite: redraw the Markdown report and plots "
            + "from a results file written earlier, without measuring again (the done-when checks are recomputed from "
            + "its figures and written back into it).")
    Path redraw;

    private Integer paper() throws IOException {
        if (redraw != null) {
            if (!java.nio.file.Files.isRegularFile(redraw)) {
                throw new org.legonet.core.LegoNetException("--redraw: no such file " + redraw);
            }
            PaperResults.Run read = PaperReport.readJson(redraw);
            PaperResults.Run run = new PaperResults.Run(read.started(), read.seconds(), read.quick(), read.machine(),
                    read.data(), read.encoder(), read.endToEndCnn(), read.methods(), read.legonet(), read.segmentation(),
                    PaperSuite.checks(read.methods(), read.legonet(), read.segmentation(), read.quick()), read.notes());
            String name = redraw.getFileName().toString().replaceFirst("\\.json$", "");
            Path mdFile = report != null ? report : redraw.resolveSibling(name + ".md");
            List<Path> plots = PaperReport.writeMarkdown(run, mdFile);
            PaperReport.writeJson(run, redraw); // the same figures; the checks recomputed from them
            spec.commandLine().getOut().println("Wrote " + mdFile + " and " + plots.size() + " plots from " + redraw
                    + " (checks recomputed from its figures).");
            return 0;
        }
        if (settings != null) {
            throw new org.legonet.core.LegoNetException("--setting applies to --suite core; the paper suite has its own grid");
        }
        ModelConfig base = options.config();
        Path work = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
        PaperSuite.Options opts = quick ? PaperSuite.Options.quick(threads, benchSeed, base, work)
                : PaperSuite.Options.full(threads, benchSeed, base, work);
        PrintWriter err = spec.commandLine().getErr();
        CliProgress progress = CliProgress.create(true);
        DataOptions.Prepared p = data.prepare(progress);
        PaperResults.Run run = new PaperSuite(opts, progress, quiet ? null : err)
                .run(p.publicSplit(), p.privateSplit(), p.test(), p.description());
        String stem = quick ? "paper-quick" : "paper";
        Path jsonFile = json != null ? json : Path.of("bench-results", stem + ".json");
        Path mdFile = report != null ? report : Path.of("bench-results", stem + ".md");
        PaperReport.writeJson(run, jsonFile);
        List<Path> plots = PaperReport.writeMarkdown(run, mdFile);
        PrintWriter out = spec.commandLine().getOut();
        out.print(PaperReport.markdown(run, plots.stream().map(f -> f.getFileName().toString()).toList()));
        out.println();
        out.println("Wrote " + jsonFile + ", " + mdFile + (plots.isEmpty() ? "" : " and " + plots.size() + " plots") + ".");
        out.flush();
        return 0;
    }
}
