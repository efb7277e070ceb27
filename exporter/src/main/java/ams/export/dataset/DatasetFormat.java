package ams.export.dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The three shapes of a training dataset, each one Avro schema (the Parquet columns, the JSONL keys
 * and the dataset card's features all come from it):
 *
 * <ul>
 *   <li>{@code sft}: OpenAI chat {@code messages} (system first, then user/assistant alternating);
 *   <li>{@code sharegpt}: {@code system} plus {@code conversations} of {@code from: human|gpt};
 *   <li>{@code instruction}: one row per assistant turn, Alpaca style: {@code instruction} (the
 *       user turn before it), {@code input} (empty), {@code output}, {@code system} and {@code
 *       history} (the earlier [instruction, output] pairs of the sample).
 * </ul>
 *
 * A dataset with images adds them in each ecosystem's convention: SFT messages get OpenAI content
 * parts (an {@code images} list beside the text in Parquet); ShareGPT and instruction rows get an
 * {@code images} list of the row's images in order and one {@code <image>} placeholder in the text
 * of the turn each image belongs to (LLaVA, LLaMA-Factory).
 *
 * <p>Every row also says where it came from ({@code conversation_id}, {@code agent_id}), how big it
 * is ({@code num_turns}, {@code num_tokens}) and what wrote the assistant text ({@code providers},
 * {@code scripted}: true when the offline scripted responder wrote any of it).
 */
public enum DatasetFormat {
    SFT,
    SHAREGPT,
    INSTRUCTION;

    private static final Schema STRINGS = SchemaBuilder.array().items().stringType();

    private static final Schema MESSAGE =
            SchemaBuilder.record("chat_message")
                    .namespace("ams.export.dataset")
                    .fields()
                    .requiredString("role")
                    .requiredString("content")
                    .optionalString("name")
                    .endRecord();

    /**
     * An SFT message of a dataset that has images: {@code images} holds the URLs of its {@code
     * image_url} content parts. Parquet needs one type per column, so there the text stays in
     * {@code content} and the URLs sit beside it; the JSONL writes OpenAI's content parts instead
     * ({@link DatasetFiles}).
     */
    static final Schema MESSAGE_WITH_IMAGES =
            SchemaBuilder.record("chat_message_images")
                    .namespace("ams.export.dataset")
                    .fields()
                    .requiredString("role")
                    .requiredString("content")
                    .optionalString("name")
                    .name("images")
                    .type(STRINGS)
                    .withDefault(List.of())
                    .endRecord();

    private static final Schema SHAREGPT_TURN =
            SchemaBuilder.record("sharegpt_turn")
                    .namespace("ams.export.dataset")
                    .fields()
                    .requiredString("from")
                    .requiredString("value")
                    .optionalString("name")
                    .endRecord();

    public static DatasetFormat parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "dataset format must be sft, sharegpt or instruction; was '" + text + "'", e);
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public Schema schema() {
        return schema(false);
    }

    /**
     * The row schema; {@code images}: the dataset has images (SFT messages get an {@code images}
     * list, ShareGPT and instruction rows one; a dataset without images keeps the schema it always
     * had).
     */
    public Schema schema(boolean images) {
        SchemaBuilder.FieldAssembler<Schema> fields =
                SchemaBuilder.record(label() + "_sample")
                        .namespace("ams.export.dataset")
                        .fields()
                        .requiredString("id")
                        .requiredString("conversation_id")
                        .requiredString("agent_id")
                        .requiredString("agent_name")
                        .requiredString("topic");
        switch (this) {
            case SFT ->
                    fields =
                            fields.name("messages")
                                    .type()
                                    .array()
                                    .items(images ? MESSAGE_WITH_IMAGES : MESSAGE)
                                    .noDefault();
            case SHAREGPT ->
                    fields =
                            fields.requiredString("system")
                                    .name("conversations")
                                    .type()
                                    .array()
                                    .items(SHAREGPT_TURN)
                                    .noDefault();
            case INSTRUCTION ->
                    fields =
                            fields.requiredString("system")
                                    .requiredString("instruction")
                                    .requiredString("input")
                                    .requiredString("output")
                                    .name("history")
                                    .type()
                                    .array()
                                    .items(STRINGS)
                                    .noDefault();
        }
        if (images && this != SFT) {
            // ShareGPT/LLaVA and Alpaca multimodal (LLaMA-Factory): the row's images in order,
            // one <image> placeholder in the text where each sat.
            fields = fields.name("images").type(STRINGS).withDefault(List.of());
        }
        return fields.requiredInt("num_turns")
                .requiredInt("num_tokens")
                .name("providers")
                .type(STRINGS)
                .noDefault()
                .requiredBoolean("scripted")
                .endRecord();
    }

    /**
     * The rows of one sample (one, or one per assistant turn for {@code instruction}).
     *
     * @param tokens the sample's tokens (system prompt and every turn)
     * @param count counts the tokens of a text, for the rows of {@code instruction}
     */
    public List<GenericRecord> rows(
            Schema schema, Sample s, int tokens, java.util.function.ToIntFunction<String> count) {
        return rows(schema, s, tokens, count, List.of());
    }

    /**
     * As {@link #rows(Schema, Sample, int, java.util.function.ToIntFunction)}, with the image URLs
     * of each turn ({@code imageUrls.get(i)} for {@code s.turns().get(i)}; empty = none).
     */
    public List<GenericRecord> rows(
            Schema schema,
            Sample s,
            int tokens,
            java.util.function.ToIntFunction<String> count,
            List<List<String>> imageUrls) {
        List<GenericRecord> rows = new ArrayList<>();
        switch (this) {
            case SFT -> {
                GenericData.Record row = header(schema, s, s.id(), s.turns().size(), tokens);
                Schema message = schema.getField("messages").schema().getElementType();
                List<GenericRecord> messages = new ArrayList<>(s.turns().size() + 1);
                if (!s.system().isEmpty()) {
                    messages.add(message(message, "system", s.system(), null, List.of()));
                }
                for (int i = 0; i < s.turns().size(); i++) {
                    Sample.ChatTurn t = s.turns().get(i);
                    List<String> urls = i < imageUrls.size() ? imageUrls.get(i) : List.of();
                    messages.add(message(message, t.role(), t.content(), t.name(), urls));
                }
                row.put("messages", messages);
                rows.add(row);
            }
            case SHAREGPT -> {
                GenericData.Record row = header(schema, s, s.id(), s.turns().size(), tokens);
                row.put("system", s.system());
                List<GenericRecord> turns = new ArrayList<>(s.turns().size());
                List<String> images = new ArrayList<>();
                for (int i = 0; i < s.turns().size(); i++) {
                    Sample.ChatTurn t = s.turns().get(i);
                    List<String> urls = urls(imageUrls, i);
                    GenericData.Record turn = new GenericData.Record(SHAREGPT_TURN);
                    turn.put("from", Sample.ChatTurn.USER.equals(t.role()) ? "human" : "gpt");
                    turn.put("value", withPlaceholders(t.content(), urls.size()));
                    turn.put("name", t.name());
                    turns.add(turn);
                    images.addAll(urls);
                }
                row.put("conversations", turns);
                putImages(row, images);
                rows.add(row);
            }
            case INSTRUCTION -> {
                List<List<String>> history = new ArrayList<>();
                List<String> images = new ArrayList<>();
                int historyTokens = count.applyAsInt(s.system());
                for (int i = 0; i + 1 < s.turns().size(); i += 2) {
                    // Token counts stay those of the text: a placeholder is not the text's.
                    String instructionText = s.turns().get(i).content();
                    String outputText = s.turns().get(i + 1).content();
                    String instruction =
                            withPlaceholders(instructionText, urls(imageUrls, i).size());
                    String output = withPlaceholders(outputText, urls(imageUrls, i + 1).size());
                    images.addAll(urls(imageUrls, i));
                    images.addAll(urls(imageUrls, i + 1));
                    int pairTokens =
                            count.applyAsInt(instructionText) + count.applyAsInt(outputText);
                    GenericData.Record row =
                            header(
                                    schema,
                                    s,
                                    s.id() + "/" + i / 2,
                                    i + 2,
                                    historyTokens + pairTokens);
                    row.put("system", s.system());
                    row.put("instruction", instruction);
                    row.put("input", "");
                    row.put("output", output);
                    row.put("history", new ArrayList<>(history));
                    putImages(row, images);
                    rows.add(row);
                    history.add(List.of(instruction, output));
                    historyTokens += pairTokens;
                }
            }
        }
        return rows;
    }

    /** The placeholder a multimodal ShareGPT/Alpaca row has in its text for each of its images. */
    public static final String IMAGE_PLACEHOLDER = "<image>";

    private static List<String> urls(List<List<String>> imageUrls, int turn) {
        return turn < imageUrls.size() ? imageUrls.get(turn) : List.of();
    }

    /** One {@code <image>} per image before the text, as LLaVA and LLaMA-Factory write them. */
    static String withPlaceholders(String text, int images) {
        return images == 0 ? text : IMAGE_PLACEHOLDER.repeat(images) + text;
    }

    private static void putImages(GenericData.Record row, List<String> images) {
        if (row.getSchema().getField("images") != null) {
            row.put("images", new ArrayList<>(images));
        }
    }

    private static GenericData.Record header(
            Schema schema, Sample s, String id, int turns, int tokens) {
        GenericData.Record row = new GenericData.Record(schema);
        row.put("id", id);
        row.put("conversation_id", s.conversationId());
        row.put("agent_id", s.agentId());
        row.put("agent_name", s.agentName());
        row.put("topic", s.topic());
        row.put("num_turns", turns);
        row.put("num_tokens", tokens);
        row.put("providers", new ArrayList<>(s.providers()));
        row.put("scripted", s.scripted());
        return row;
    }

    private static GenericRecord message(
            Schema schema, String role, String content, String name, List<String> images) {
        GenericData.Record m = new GenericData.Record(schema);
        m.put("role", role);
        m.put("content", content);
        m.put("name", name);
        if (schema.getField("images") != null) {
            m.put("images", new ArrayList<>(images));
        }
        return m;
    }
}
