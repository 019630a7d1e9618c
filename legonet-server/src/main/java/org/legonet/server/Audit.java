package org.legonet.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.legonet.core.ChangeRecord;
import org.legonet.core.LegoNet;

/**
 * Checks what a model directory says about its forgets and adds, reading only: the receipt chain
 * (each receipt's hash, sequence and link), each receipt against the log record of its commit
 * (request named, digests, adapters, erased id hashes), the model's log as a chain of model
 * digests ending at the model's, and that every request a commit names has a receipt.
 */
public final class Audit {
    private Audit() {
    }

    /**
     * What the audit found.
     *
     * @param ok               no problem found
     * @param receipts         receipts in the chain
     * @param lastHash         the hash of the last receipt (the chain's head), or null
     * @param commits          records in the deletion log
     * @param serviceCommits   of which the service made (they name requests)
     * @param modelDigest      the manifest's model digest
     * @param lastReceiptDigest digest_after of the last receipt, or null
     * @param problems         what is wrong, naming the receipt or record
     * @param notes            what is worth knowing but not wrong
     */
    public record Report(boolean ok, int receipts, String lastHash, int commits, int serviceCommits,
                         String modelDigest, String lastReceiptDigest, List<String> problems, List<String> notes) {
    }

    /**
     * Audits the directory of {@code model} (open it read-only, {@link LegoNet#open}: a reader may
     * audit while a service holds the directory).
     */
    public static Report run(LegoNet model) {
        if (model.dir() == null) {
            throw new IllegalArgumentException("a model held in memory has no receipts to audit; open its directory");
        }
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        ReceiptLog.Check chain = ReceiptLog.check(model.dir());
        problems.addAll(chain.problems());
        if (chain.tornTail()) {
            notes.add("receipts.jsonl ends in an incomplete line (a crash while writing it); the service drops it "
                    + "and writes that receipt again when it starts");
        }
        List<ChangeRecord> log = model.history();
        String manifestDigest = model.digest();

        // the deletion log: a chain of model digests ending at the manifest's
        Map<Integer, ChangeRecord> bySeq = new HashMap<>();
        Map<String, ChangeRecord> byRequest = new HashMap<>();
        int serviceCommits = 0;
        for (int i = 0; i < log.size(); i++) {
            ChangeRecord r = log.get(i);
            bySeq.put(r.seq(), r);
            if (r.seq() != i + 1) {
                problems.add("deletion record " + (i + 1) + " has sequence number " + r.seq());
            }
            if (i > 0 && !Objects.equals(log.get(i - 1).digestAfter(), r.digestBefore())) {
                problems.add("deletion record " + r.seq() + " starts from model " + shortDigest(r.digestBefore())
                        + " but record " + log.get(i - 1).seq() + " ended at " + shortDigest(log.get(i - 1).digestAfter()));
            }
            if (r.requests() != null) {
                serviceCommits++;
                for (String id : r.requests()) {
                    byRequest.put(id, r);
                }
            }
        }
        if (!log.isEmpty() && !log.get(log.size() - 1).digestAfter().equals(manifestDigest)) {
            problems.add("the last deletion record ends at model " + shortDigest(log.get(log.size() - 1).digestAfter())
                    + " but the manifest holds " + shortDigest(manifestDigest));
        }

        // every receipt against the record of its commit
        Set<String> receipted = new HashSet<>();
        Map<Integer, Integer> addedByCommit = new HashMap<>();
        String lastReceiptDigest = null;
        for (Receipt rc : chain.receipts()) {
            receipted.add(rc.requestId());
            String name = "receipt " + rc.seq() + " (request " + rc.requestId() + ")";
            lastReceiptDigest = rc.digestAfter();
            if (rc.commit() == null) {
                if (!Objects.equals(rc.digestBefore(), rc.digestAfter())) {
                    problems.add(name + " claims no commit but a model change");
                }
                continue;
            }
            ChangeRecord r = bySeq.get(rc.commit());
            if (r == null) {
                problems.add(name + " names deletion record " + rc.commit() + ", which the deletion log does not hold");
                continue;
            }
            List<String> mismatch = new ArrayList<>();
            if (r.requests() == null || !r.requests().contains(rc.requestId())) {
                mismatch.add("the record does not name the request");
            }
            if (!Objects.equals(r.digestBefore(), rc.digestBefore()) || !Objects.equals(r.digestAfter(), rc.digestAfter())) {
                mismatch.add("model digests differ");
            }
            if (!Objects.equals(r.adaptersRetrained(), rc.adaptersRetrained())) {
                mismatch.add("adapters retrained differ");
            }
            if (!Objects.equals(r.time(), rc.completed())) {
                mismatch.add("completion time differs from the commit time");
            }
            if ("add".equals(rc.kind())) {
                if (rc.added() == null || rc.idHashes() == null || rc.idHashes().size() != rc.added()
                        || rc.forgotten() != 0 || rc.alreadyForgotten() != 0) {
                    mismatch.add("an add receipt must name one id hash per sample added and forget nothing");
                } else {
                    addedByCommit.merge(r.seq(), rc.added(), Integer::sum);
                }
            } else if ("class".equals(rc.kind())) {
                if (!"class".equals(r.kind()) || !Objects.equals(r.forgetClass(), rc.forgetClass())
                        || r.forgotten() != rc.forgotten()) {
                    mismatch.add("the class or the count forgotten differs");
                }
            } else if (rc.idHashes() != null) {
                Set<String> erased = r.idHashes() == null ? Set.of() : new HashSet<>(r.idHashes());
                long inRecord = rc.idHashes().stream().filter(erased::contains).count();
                if (inRecord != rc.forgotten() || rc.forgotten() + rc.alreadyForgotten() != rc.idHashes().size()) {
                    mismatch.add("its forgotten ids are not those the record erased");
                }
            }
            if (!mismatch.isEmpty()) {
                problems.add(name + " does not match deletion record " + r.seq() + ": " + String.join("; ", mismatch));
            }
        }
        for (Map.Entry<Integer, Integer> e : addedByCommit.entrySet()) {
            ChangeRecord r = bySeq.get(e.getKey());
            if (r.addedCount() != e.getValue() && r.requests().stream().allMatch(receipted::contains)) {
                problems.add("deletion record " + r.seq() + " added " + r.addedCount() + " samples but the add "
                        + "receipts of its requests name " + e.getValue());
            }
        }
        for (Map.Entry<String, ChangeRecord> e : byRequest.entrySet()) {
            if (!receipted.contains(e.getKey())) {
                problems.add("request " + e.getKey() + " was committed (deletion record " + e.getValue().seq()
                        + ") but has no receipt (a crash before it was written: the service writes it when it next "
                        + "starts; otherwise receipts were removed)");
            }
        }
        String lastDigest = lastReceiptDigest;
        if (lastDigest != null && !lastDigest.equals(manifestDigest)
                && log.stream().noneMatch(r -> lastDigest.equals(r.digestBefore()))) {
            problems.add("the last receipt ends at model " + shortDigest(lastDigest) + " but the manifest holds "
                    + shortDigest(manifestDigest) + " and no later commit explains the difference");
        }
        int cli = log.size() - serviceCommits;
        if (cli > 0) {
            String what = log.stream().anyMatch(r -> r.requests() == null && r.addedCount() > 0) ? "update" : "forget";
            notes.add(cli + " " + what + (cli == 1 ? " was" : "s were") + " made from the command line (no receipts; "
                    + "the deletion log records " + (cli == 1 ? "it" : "them") + ")");
        }
        String lastHash = chain.receipts().isEmpty() ? null : chain.receipts().get(chain.receipts().size() - 1).hash();
        return new Report(problems.isEmpty(), chain.receipts().size(), lastHash, log.size(), serviceCommits,
                manifestDigest, lastReceiptDigest, problems, notes);
    }

    private static String shortDigest(String d) {
        return d == null ? "-" : d.substring(0, Math.min(16, d.length()));
    }
}
