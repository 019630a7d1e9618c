package org.legonet.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.LegoNet;
import org.legonet.server.Audit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, name = "audit", sortOptions = false,
        header = "Check the receipts of a model's forget requests: the hash chain, the deletion log, the manifest.",
        description = "Check a model directory's record of forgets, reading only (a running service is fine): every "
                + "receipt's hash and its link to the one before (an edited, removed or reordered receipt breaks the "
                + "chain and is named), each receipt against the deletion-log record of its commit, the deletion log as "
                + "a chain of model digests ending at the manifest's, and that every request a commit names has a "
                + "receipt. Prints AUDIT OK and exits 0, or AUDIT FAILED with each problem and exits 1.")
final class AuditCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Audit.Report r;
        try (LegoNet net = LegoNet.open(dir.model)) {
            r = Audit.run(net);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("result", r.ok() ? "AUDIT OK" : "AUDIT FAILED");
            m.put("ok", r.ok());
            m.put("receipts", r.receipts());
            m.put("chain_head", r.lastHash());
            m.put("commits", r.commits());
            m.put("service_commits", r.serviceCommits());
            m.put("model_digest", r.modelDigest());
            m.put("last_receipt_digest", r.lastReceiptDigest());
            m.put("problems", r.problems());
            m.put("notes", r.notes());
            Out.json(out, m);
        } else {
            out.println(r.ok() ? "AUDIT OK" : "AUDIT FAILED");
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("receipts", r.receipts() + (r.lastHash() == null ? "" : ", chain head " + Out.shortDigest(r.lastHash())));
            rows.put("deletion log", r.commits() + " commit" + (r.commits() == 1 ? "" : "s") + " (" + r.serviceCommits()
                    + " by the service)");
            rows.put("model digest", r.modelDigest());
            rows.put("last receipt", r.lastReceiptDigest() == null ? "-" : "model " + r.lastReceiptDigest());
            Out.table(out, null, rows);
            for (String p : r.problems()) {
                out.println("  problem: " + p);
            }
            for (String n : r.notes()) {
                out.println("  note: " + n);
            }
            out.flush();
        }
        return r.ok() ? 0 : LegoNetCli.NOT_EXACT;
    }
}
