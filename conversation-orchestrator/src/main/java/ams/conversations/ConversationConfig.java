package ams.conversations;

import ams.conversations.llm.ModelEndpoints;
import ams.events.http.BearerToken;
import ams.service.config.CommonConfig;
import ams.service.config.CommonConfig.ModuleDefaults;
import ams.service.media.MediaConfig;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Every setting of the conversation orchestrator, typed, documented and validated at start. The
 * keys every process shares (Kafka, topics, identity, HTTP, token, Streams threads and commits)
 * come from {@link CommonConfig}; this class adds the orchestrator's own. Environment variables map
 * onto keys as {@code AMS_} + upper-cased key with dots as underscores (e.g. {@code
 * llm.max.in.flight} ← {@code AMS_LLM_MAX_IN_FLIGHT}), plus the aliases in {@link #ENV_ALIASES}.
 */
public final class ConversationConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = CommonConfig.BOOTSTRAP_SERVERS;
    public static final String TOPIC_PREFIX = CommonConfig.TOPIC_PREFIX;
    public static final String TOPIC_PARTITIONS = CommonConfig.TOPIC_PARTITIONS;
    public static final String TOPIC_REPLICATION = CommonConfig.TOPIC_REPLICATION_FACTOR;
    public static final String APPLICATION_ID = CommonConfig.APPLICATION_ID;
    public static final String STATE_DIR = CommonConfig.STATE_DIR;
    public static final String HTTP_HOST = CommonConfig.HTTP_HOST;
    public static final String HTTP_PORT = CommonConfig.HTTP_PORT;
    public static final String NUM_STREAM_THREADS = CommonConfig.NUM_STREAM_THREADS;
    public static final String COMMIT_INTERVAL_MS = CommonConfig.COMMIT_INTERVAL_MS;
    public static final String INSTANCE_ID = "instance.id";
    public static final String FETCH_MAX_WAIT_MS = "fetch.max.wait.ms";
    public static final String TIMEOUT_CHECK_INTERVAL_MS = "timeout.check.interval.ms";
    public static final String READ_ONLY = "read.only";
    public static final String LLM_PROVIDER = "llm.provider";
    public static final String LLM_BASE_URL = "llm.base.url";
    public static final String LLM_MODEL = "llm.model";
    public static final String LLM_API_KEY = "llm.api.key";
    public static final String LLM_TIMEOUT_MS = "llm.timeout.ms";
    public static final String LLM_ENDPOINTS = "llm.endpoints";
    public static final String LLM_REQUESTS_PER_MINUTE = "llm.requests.per.minute";
    public static final String LLM_TOKENS_PER_MINUTE = "llm.tokens.per.minute";
    public static final String LLM_RATE_WINDOW_MS = "llm.rate.window.ms";
    public static final String LLM_MAX_IN_FLIGHT = "llm.max.in.flight";
    public static final String LLM_MAX_ATTEMPTS = "llm.max.attempts";
    public static final String LLM_BACKOFF_INITIAL_MS = "llm.backoff.initial.ms";
    public static final String LLM_BACKOFF_MAX_MS = "llm.backoff.max.ms";
    public static final String DEPENDENCY_WAIT_MS = "dependency.wait.ms";
    public static final String STT_BASE_URL = "stt.base.url";
    public static final String STT_MODEL = "stt.model";
    public static final String STT_API_KEY = "stt.api.key";
    public static final String STT_TIMEOUT_MS = "stt.timeout.ms";
    public static final String TURNS_MAX_IN_FLIGHT = "turns.max.in.flight";
    public static final String TURNS_ENABLED = "turns.enabled";
    public static final String TURNS_DRAIN_INTERVAL_MS = "turns.drain.interval.ms";
    public static final String PROMPT_HISTORY_MAX_TURNS = "prompt.history.max.turns";
    public static final String PROMPT_HISTORY_MAX_TOKENS = "prompt.history.max.tokens";
    public static final String KNOWLEDGE_TOP_K = "knowledge.top.k";
    public static final String RETRIEVAL_RECENT_TURNS = "retrieval.recent.turns";
    public static final String RETRIEVAL_GRAPH_HOPS = "retrieval.graph.hops";
    public static final String RETRIEVAL_GRAPH_MAX_LINKED = "retrieval.graph.max.linked";
    public static final String MEMORY_MAX_CONVERSATIONS = "memory.max.conversations";
    public static final String AGENTS_BASE_URL = "agents.base.url";
    public static final String STREAM_POLL_MS = "stream.poll.ms";
    public static final String STREAM_HEARTBEAT_MS = "stream.heartbeat.ms";
    public static final String STREAM_CLIENT_BUFFER = "stream.client.buffer";
    public static final String STREAM_MAX_CLIENTS = "stream.max.clients";
    public static final String KNOWLEDGE_BASE_URL = "knowledge.base.url";

    /** The orchestrator's defaults of the shared keys: its own id, state directory and port. */
    public static final ModuleDefaults DEFAULTS =
            new ModuleDefaults(
                    "ams-conversation-orchestrator",
                    "./ams-data/state/conversation-orchestrator",
                    8083);

    /**
     * Each turn crosses one Streams commit, so the commit interval bounds the hop latency: 10 ms
     * unless {@code commit.interval.ms} says otherwise (measured in ConversationBench: 20 ms cost
     * half the throughput at 100 and 1,000 conversations in flight; 0, a commit per poll, cut it to
     * a fifth).
     */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 10L;

    /**
     * How long the state machine's poll waits for input when there is none: Streams commits only
     * between polls, so an idle poll of Streams' default 100 ms held every hand-off that long when
     * few conversations run (a turn cycle of 120 ms at one in flight). {@code streams.poll.ms}
     * overrides it.
     */
    public static final long DEFAULT_POLL_MS = 2L;

    /**
     * Environment variables other than {@code AMS_<KEY>} the orchestrator reads: the API's names of
     * the other processors' URLs, and the name of the thread count before it became the shared key.
     */
    public static final Map<String, String> ENV_ALIASES =
            Map.of(
                    "AMS_AGENTS_URL", AGENTS_BASE_URL,
                    "AMS_KNOWLEDGE_URL", KNOWLEDGE_BASE_URL,
                    "AMS_STREAM_THREADS", NUM_STREAM_THREADS);

    /** Keys renamed since: a properties file with the old name keeps working. */
    private static final Map<String, String> RENAMED_KEYS =
            Map.of("stream.threads", NUM_STREAM_THREADS);

    public static final ConfigDef CONFIG =
            MediaConfig.define(
                            CommonConfig.defineStreams(
                                    CommonConfig.defineService(new ConfigDef(), DEFAULTS)))
                    .define(
                            INSTANCE_ID,
                            ConfigDef.Type.STRING,
                            "",
                            Importance.LOW,
                            "Stable name of this process (the Streams client id). Empty = a random id per start.")
                    .define(
                            FETCH_MAX_WAIT_MS,
                            ConfigDef.Type.INT,
                            10,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "fetch.max.wait.ms of the state machine's consumer. Each turn is one read_committed hop (its outcome "
                                    + "read back); with Kafka's default (500 ms) a hop can wait that long for a transaction marker.")
                    .define(
                            TIMEOUT_CHECK_INTERVAL_MS,
                            ConfigDef.Type.LONG,
                            1000L,
                            Range.atLeast(10),
                            Importance.LOW,
                            "How often the state machine looks for conversations past their wall-clock timeout.")
                    .define(
                            READ_ONLY,
                            ConfigDef.Type.BOOLEAN,
                            false,
                            Importance.LOW,
                            "Rebuild the stores from the log and answer queries, but write nothing (no TurnRequested, no "
                                    + "completions, no dead letters, no timeouts): a replay or a read-only replica. Runs no turn; use "
                                    + "its own application.id.")
                    .define(
                            LLM_PROVIDER,
                            ConfigDef.Type.STRING,
                            "scripted",
                            ValidString.in("scripted", "openai", "ollama"),
                            Importance.HIGH,
                            "Default provider when a conversation names none (AMS_LLM_PROVIDER).")
                    .define(
                            LLM_BASE_URL,
                            ConfigDef.Type.STRING,
                            "",
                            Importance.HIGH,
                            "Base URL of the OpenAI-compatible endpoint (including /v1) or of Ollama (AMS_LLM_BASE_URL).")
                    .define(
                            LLM_MODEL,
                            ConfigDef.Type.STRING,
                            "",
                            Importance.HIGH,
                            "Default model name (AMS_LLM_MODEL).")
                    .define(
                            LLM_API_KEY,
                            ConfigDef.Type.PASSWORD,
                            "",
                            Importance.MEDIUM,
                            "API key of the OpenAI-compatible endpoint (AMS_LLM_API_KEY).")
                    .define(
                            STT_BASE_URL,
                            ConfigDef.Type.STRING,
                            "",
                            Importance.MEDIUM,
                            "Base URL (including /v1) of an OpenAI-compatible speech-to-text endpoint: audio in a turn's "
                                    + "history is sent to <base>/audio/transcriptions for speakers with STT_FLAG on "
                                    + "(AMS_STT_BASE_URL). Empty = audio is not transcribed.")
                    .define(
                            STT_MODEL,
                            ConfigDef.Type.STRING,
                            "whisper-1",
                            Importance.LOW,
                            "Speech-to-text model named in each transcription request (AMS_STT_MODEL).")
                    .define(
                            STT_API_KEY,
                            ConfigDef.Type.PASSWORD,
                            "",
                            Importance.LOW,
                            "API key of the speech-to-text endpoint (AMS_STT_API_KEY); empty = no Authorization header.")
                    .define(
                            STT_TIMEOUT_MS,
                            ConfigDef.Type.LONG,
                            60_000L,
                            Range.atLeast(1),
                            Importance.LOW,
                            "How long one transcription request may take (AMS_STT_TIMEOUT_MS).")
                    .define(
                            LLM_ENDPOINTS,
                            ConfigDef.Type.PASSWORD,
                            "",
                            Importance.MEDIUM,
                            "Model endpoints besides primary (the llm.provider/llm.base.url/llm.model above) that agent configs "
                                    + "name in model_config.largeLanguageModel.instances, as JSON: {\"backup\": {\"provider\": "
                                    + "\"openai\", \"base_url\": \"http://host:8000/v1\", \"model\": \"qwen2.5\", \"api_key\": "
                                    + "\"...\", \"requests_per_minute\": 60, \"tokens_per_minute\": 90000}} (AMS_LLM_ENDPOINTS). "
                                    + "A password-type key, so the API keys in it are never logged.")
                    .define(
                            LLM_REQUESTS_PER_MINUTE,
                            ConfigDef.Type.INT,
                            0,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Requests per window (a minute) each model server accepts from this process, unless its entry in "
                                    + "llm.endpoints says otherwise; 0 = no limit. Calls over it wait.")
                    .define(
                            LLM_TOKENS_PER_MINUTE,
                            ConfigDef.Type.LONG,
                            0L,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Tokens (prompt + completion) per window each model server accepts from this process, unless its "
                                    + "entry in llm.endpoints says otherwise; 0 = no limit.")
                    .define(
                            LLM_RATE_WINDOW_MS,
                            ConfigDef.Type.LONG,
                            60_000L,
                            Range.atLeast(1),
                            Importance.LOW,
                            "Length of the rate-limit window: a minute. Shorter only for tests.")
                    .define(
                            LLM_TIMEOUT_MS,
                            ConfigDef.Type.LONG,
                            60_000L,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "Timeout of one model call.")
                    .define(
                            LLM_MAX_IN_FLIGHT,
                            ConfigDef.Type.INT,
                            16,
                            Range.atLeast(1),
                            Importance.HIGH,
                            "Most model calls in flight at once per provider, across all conversations of this process.")
                    .define(
                            LLM_MAX_ATTEMPTS,
                            ConfigDef.Type.INT,
                            4,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "Attempts per turn before it fails for good and the conversation fails.")
                    .define(
                            LLM_BACKOFF_INITIAL_MS,
                            ConfigDef.Type.LONG,
                            500L,
                            Range.atLeast(0),
                            Importance.LOW,
                            "First retry delay; doubles per attempt, with jitter.")
                    .define(
                            LLM_BACKOFF_MAX_MS,
                            ConfigDef.Type.LONG,
                            10_000L,
                            Range.atLeast(0),
                            Importance.LOW,
                            "Largest retry delay.")
                    .define(
                            DEPENDENCY_WAIT_MS,
                            ConfigDef.Type.LONG,
                            300_000L,
                            Range.atLeast(0),
                            Importance.LOW,
                            "How long a turn waits for an unavailable agent directory or knowledge search (a restarting "
                                    + "processor) before the attempt counts as failed.")
                    .define(
                            TURNS_MAX_IN_FLIGHT,
                            ConfigDef.Type.INT,
                            256,
                            Range.atLeast(1),
                            Importance.MEDIUM,
                            "Threads running turns (prompt building, model calls, backoff) in this process: the most "
                                    + "turns in flight at once (a turn past them waits for a thread). Model calls are "
                                    + "capped per server by llm.max.in.flight as well.")
                    .define(
                            TURNS_ENABLED,
                            ConfigDef.Type.BOOLEAN,
                            true,
                            Importance.MEDIUM,
                            "Whether the state machine's tasks run the turns they request. false = state machine only "
                                    + "(a replay, or a benchmark of the stores).")
                    .define(
                            TURNS_DRAIN_INTERVAL_MS,
                            ConfigDef.Type.LONG,
                            2L,
                            Range.atLeast(1),
                            Importance.LOW,
                            "How often a task's punctuator takes the finished turns into its transaction (wall clock).")
                    .define(
                            PROMPT_HISTORY_MAX_TURNS,
                            ConfigDef.Type.INT,
                            20,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "History window when the agent config has no database_config.conversation_modes.max_history_turns.")
                    .define(
                            PROMPT_HISTORY_MAX_TOKENS,
                            ConfigDef.Type.INT,
                            3000,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Token budget (estimated at 4 characters a token) of the history placed in a prompt.")
                    .define(
                            KNOWLEDGE_TOP_K,
                            ConfigDef.Type.INT,
                            3,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Knowledge hits for the recent dialogue placed in each prompt.")
                    .define(
                            RETRIEVAL_RECENT_TURNS,
                            ConfigDef.Type.INT,
                            3,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Messages (the last ones) whose text joins the topic in a turn's knowledge query; 0 = the topic alone.")
                    .define(
                            RETRIEVAL_GRAPH_HOPS,
                            ConfigDef.Type.INT,
                            1,
                            Range.between(0, 1),
                            Importance.MEDIUM,
                            "1: a turn also retrieves the speaker's documents linked to its hits or to the topic (sharing a tag); 0: the query hits only.")
                    .define(
                            RETRIEVAL_GRAPH_MAX_LINKED,
                            ConfigDef.Type.INT,
                            2,
                            Range.atLeast(0),
                            Importance.LOW,
                            "Most linked documents the graph hop adds to a prompt.")
                    .define(
                            MEMORY_MAX_CONVERSATIONS,
                            ConfigDef.Type.INT,
                            3,
                            Range.atLeast(0),
                            Importance.MEDIUM,
                            "Most earlier conversations recalled in a prompt (agents with use_past_conversations); their messages share prompt.history.max.tokens with the current history.")
                    .define(
                            STREAM_POLL_MS,
                            ConfigDef.Type.LONG,
                            100L,
                            Range.atLeast(10),
                            Importance.LOW,
                            "How often an open GET /conversations/{id}/stream looks for new messages and state.")
                    .define(
                            STREAM_HEARTBEAT_MS,
                            ConfigDef.Type.LONG,
                            15_000L,
                            Range.atLeast(100),
                            Importance.LOW,
                            "Keep-alive comment interval of an open stream, so proxies keep it open.")
                    .define(
                            STREAM_CLIENT_BUFFER,
                            ConfigDef.Type.INT,
                            4096,
                            Range.atLeast(16),
                            Importance.LOW,
                            "Token events queued per stream client; a client that falls this far behind is disconnected (it reconnects with Last-Event-ID).")
                    .define(
                            STREAM_MAX_CLIENTS,
                            ConfigDef.Type.INT,
                            1000,
                            Range.atLeast(1),
                            Importance.LOW,
                            "Open streams per instance (each holds a thread); more are answered 503 with Retry-After.")
                    .define(
                            AGENTS_BASE_URL,
                            ConfigDef.Type.STRING,
                            "http://127.0.0.1:8080",
                            Importance.MEDIUM,
                            "Where the agent-processor's HTTP routes are (separate-process mode).")
                    .define(
                            KNOWLEDGE_BASE_URL,
                            ConfigDef.Type.STRING,
                            "http://127.0.0.1:8080",
                            Importance.MEDIUM,
                            "Where the knowledge-indexer's HTTP routes are (separate-process mode).");

    private final String instanceId;

    public ConversationConfig(Map<?, ?> props) {
        super(CONFIG, CommonConfig.renamedKeys(props, RENAMED_KEYS));
        String configured = getString(INSTANCE_ID);
        instanceId =
                configured.isBlank() ? UUID.randomUUID().toString().substring(0, 8) : configured;
        try {
            ModelEndpoints.fromConfig(this);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The JSON of {@code llm.endpoints}; empty when unset. */
    public String endpointsJson() {
        Password password = getPassword(LLM_ENDPOINTS);
        return password == null ? "" : password.value();
    }

    /**
     * Defaults, then {@code file} (a properties file), then the environment ({@code AMS_<KEY>} and
     * {@link #ENV_ALIASES}).
     */
    public static ConversationConfig fromEnvironment(Map<String, String> env, Properties file) {
        return new ConversationConfig(CommonConfig.fromEnvironment(CONFIG, env, file, ENV_ALIASES));
    }

    public String instanceId() {
        return instanceId;
    }

    public String apiKey() {
        Password password = getPassword(LLM_API_KEY);
        return password == null ? "" : password.value();
    }

    /** The speech-to-text endpoint's API key; empty when unset. */
    public String sttApiKey() {
        Password password = getPassword(STT_API_KEY);
        return password == null ? "" : password.value();
    }

    /** The token this process's routes require and its calls carry; empty when none is set. */
    public Optional<BearerToken> apiToken() {
        return CommonConfig.apiToken(this);
    }
}
