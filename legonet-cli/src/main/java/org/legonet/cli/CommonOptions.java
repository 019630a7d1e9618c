package org.legonet.cli;

import picocli.CommandLine.Option;

/** Options every working command takes: threads, output format, progress display. */
public final class CommonOptions {
    @Option(names = "--threads", paramLabel = "T",
            description = "Worker threads for adapter training and encoding (default: all ${sys:legonet.cores} cores). "
                    + "Never changes a result, only the time.")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars or progress lines on stderr.")
    boolean quiet;

    static {
        System.setProperty("legonet.cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }

    CliProgress progress() {
        return CliProgress.create(quiet || json);
    }
}
