package ams.knowledge.embedding;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * all-MiniLM-L6-v2 (quantized, 384 dimensions, shipped in LangChain4j's jar) on an ONNX session
 * built here, with one intra-op thread and no spinning. LangChain4j's own model uses ONNX's
 * defaults: every text's run is split across an intra-op pool of one thread per core whose threads
 * spin while they wait, and LangChain4j already runs one text per core in parallel. On two cores
 * that is three or four busy threads for two cores, and each run's parallel sections wait for the
 * slowest of their threads: any other thread of the process (the Kafka clients, the Streams fold)
 * that takes a core stalls the whole section. Measured on this machine (bench/RESULTS.md,
 * knowledge-indexer): the worker embedded at about half the speed of the same model called alone.
 * One thread per text, one text per core, nothing spinning: a run never waits for another thread,
 * and a core taken by another thread costs only its own share.
 */
final class InProcessModel extends AbstractInProcessEmbeddingModel {

    private static final String MODEL = "all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";
    private static final int DIMENSION = 384;

    private static final AtomicInteger THREADS = new AtomicInteger();

    /** One session for the process: the model's weights are loaded once. */
    private static volatile OnnxBertBiEncoder shared;

    private InProcessModel(ExecutorService executor) {
        super(executor);
    }

    /** The model, its texts embedded on one daemon thread per core. */
    static InProcessModel create() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new InProcessModel(
                Executors.newFixedThreadPool(
                        cores,
                        runnable -> {
                            Thread thread =
                                    new Thread(
                                            runnable,
                                            "embedding-model-" + THREADS.incrementAndGet());
                            thread.setDaemon(true);
                            return thread;
                        }));
    }

    @Override
    protected OnnxBertBiEncoder model() {
        OnnxBertBiEncoder encoder = shared;
        if (encoder == null) {
            synchronized (InProcessModel.class) {
                encoder = shared;
                if (encoder == null) {
                    encoder = load();
                    shared = encoder;
                }
            }
        }
        return encoder;
    }

    @Override
    protected Integer knownDimension() {
        return DIMENSION;
    }

    private static OnnxBertBiEncoder load() {
        ClassLoader loader = InProcessModel.class.getClassLoader();
        try (InputStream model = loader.getResourceAsStream(MODEL);
                InputStream tokenizer = loader.getResourceAsStream(TOKENIZER);
                OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (model == null || tokenizer == null) {
                throw new IllegalStateException(
                        "the in-process embedding model ("
                                + MODEL
                                + ") is missing from the classpath");
            }
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            OrtSession session = environment.createSession(model.readAllBytes(), options);
            return new OnnxBertBiEncoder(environment, session, tokenizer, PoolingMode.MEAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the in-process embedding model", e);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load the in-process embedding model", e);
        }
    }
}
