package cn.gov.appeals.engine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.servlet.http.HttpServletRequest;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.task.Attachment;
import org.camunda.bpm.engine.task.Task;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Files a task's assignee attaches to the appeal (书面答复函, scans, photos): docs/attachments.md.
 *
 * <p>Under the webapps' own API path ({@code /camunda/api/appeals/…}), so Tasklist's session, its CSRF
 * token and its logged-in user apply (the webapps' authentication filter sets the engine's current user
 * for every {@code /camunda/api/*} request). The files are Camunda task attachments: their bytes in the
 * engine's database (ACT_HI_ATTACHMENT + ACT_GE_BYTEARRAY), with the task and its process instance, so
 * they share the appeal's transaction, backups, history and history clean-up.
 *
 * <ul>
 * <li>{@code POST task/{taskId}/attachments?name=…} (the file's bytes as the request body): only the
 * task's assignee, only PDF, Word (.doc/.docx), JPG and PNG whose first bytes match the extension, at
 * most {@link #MAX_BYTES}; 201 with the attachment, else 4xx with a Chinese {@code message}.</li>
 * <li>{@code GET task/{taskId}/attachments}: the attachments of the task's appeal (its process instance
 * and the city's instances for it, {@code countyProcessInstanceId}), for anyone who may see the task.</li>
 * <li>{@code GET process-instance/{id}/attachments}: the same for an appeal the user may see (a task of it
 * now, or the instance: the office, leaders, oversight).</li>
 * <li>{@code GET attachment/{id}/data}: the file, for anyone who may see its appeal.</li>
 * <li>{@code DELETE task/{taskId}/attachments/{id}}: the task's assignee removes a file of this task
 * while the task is open.</li>
 * </ul>
 */
@RestController
@RequestMapping("/camunda/api/appeals")
public class TaskAttachmentController {

  /** Largest file accepted: 20 MiB. */
  public static final int MAX_BYTES = 20 * 1024 * 1024;
  /** Longest file name kept (ACT_HI_ATTACHMENT.NAME_ is 255 characters). */
  static final int MAX_NAME = 120;
  static final Map<String, String> TYPES = Map.of("pdf", "application/pdf", "doc", "application/msword",
      "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "jpg", "image/jpeg", "jpeg", "image/jpeg", "png", "image/png");
  static final String ALLOWED = "PDF、Word（.doc、.docx）、JPG、PNG";

  private final ProcessEngine engine;
  private final ObjectMapper json = new ObjectMapper();

  public TaskAttachmentController(ProcessEngine engine) {
    this.engine = engine;
  }

  /** A refusal: HTTP status and the Chinese message shown to the user. */
  static final class Refusal extends RuntimeException {
    final HttpStatus status;

    Refusal(HttpStatus status, String message) {
      super(message);
      this.status = status;
    }
  }

  @PostMapping("/task/{taskId}/attachments")
  public ResponseEntity<Object> upload(@PathVariable String taskId, @RequestParam(required = false) String name,
      HttpServletRequest request) {
    return answer(() -> {
      Authentication user = user();
      Task task = visibleTask(taskId);
      if (!user.getUserId().equals(task.getAssignee())) {
        throw new Refusal(HttpStatus.FORBIDDEN, "只有本任务的办理人可以上传附件：请先认领本任务。");
      }
      String fileName = cleanName(name);
      String extension = extension(fileName);
      if (!TYPES.containsKey(extension)) {
        throw new Refusal(HttpStatus.BAD_REQUEST, "不支持的文件类型“" + fileName + "”：只能上传 " + ALLOWED + " 文件。");
      }
      byte[] bytes = body(request, fileName);
      if (bytes.length == 0) {
        throw new Refusal(HttpStatus.BAD_REQUEST, "文件“" + fileName + "”是空的，未上传。");
      }
      if (!contentMatches(extension, bytes)) {
        throw new Refusal(HttpStatus.BAD_REQUEST,
            "文件“" + fileName + "”的内容不是扩展名所示的类型（" + extension.toUpperCase(Locale.ROOT) + "），未上传。");
      }
      Map<String, Object> about = new LinkedHashMap<>();
      about.put("userId", user.getUserId());
      about.put("userName", userName(user.getUserId()));
      about.put("taskName", task.getName());
      about.put("size", bytes.length);
      Attachment attachment = AttachmentGuardPlugin.checked(() -> engine.getTaskService().createAttachment(
          TYPES.get(extension), task.getId(), task.getProcessInstanceId(), fileName, write(about),
          new ByteArrayInputStream(bytes)));
      return ResponseEntity.status(HttpStatus.CREATED).body(describe(attachment));
    });
  }

  @GetMapping("/task/{taskId}/attachments")
  public ResponseEntity<Object> listForTask(@PathVariable String taskId) {
    return answer(() -> {
      user();
      Task task = visibleTask(taskId);
      return ResponseEntity.ok(list(task.getProcessInstanceId()));
    });
  }

  @GetMapping("/process-instance/{processInstanceId}/attachments")
  public ResponseEntity<Object> listForAppeal(@PathVariable String processInstanceId) {
    return answer(() -> {
      user();
      ensureAppealVisible(processInstanceId);
      return ResponseEntity.ok(list(processInstanceId));
    });
  }

  @GetMapping("/attachment/{attachmentId}/data")
  public ResponseEntity<Object> download(@PathVariable String attachmentId) {
    return answer(() -> {
      user();
      Attachment attachment = AttachmentGuardPlugin.checked(() -> engine.getTaskService().getAttachment(attachmentId));
      if (attachment == null || attachment.getProcessInstanceId() == null) {
        throw new Refusal(HttpStatus.NOT_FOUND, "附件不存在或无权查看。");
      }
      if (!appealsVisible(attachment.getProcessInstanceId())) {
        throw new Refusal(HttpStatus.NOT_FOUND, "附件不存在或无权查看。");
      }
      InputStream content = AttachmentGuardPlugin.checked(
          () -> engine.getTaskService().getAttachmentContent(attachmentId));
      if (content == null) {
        throw new Refusal(HttpStatus.NOT_FOUND, "附件没有内容。");
      }
      byte[] bytes = read(content);
      HttpHeaders headers = new HttpHeaders();
      headers.setContentType(MediaType.parseMediaType(
          attachment.getType() == null ? "application/octet-stream" : attachment.getType()));
      headers.setContentDisposition(ContentDisposition.attachment()
          .filename(attachment.getName(), StandardCharsets.UTF_8).build());
      headers.set("X-Content-Type-Options", "nosniff");
      return new ResponseEntity<>(bytes, headers, HttpStatus.OK);
    });
  }

  @DeleteMapping("/task/{taskId}/attachments/{attachmentId}")
  public ResponseEntity<Object> delete(@PathVariable String taskId, @PathVariable String attachmentId) {
    return answer(() -> {
      Authentication user = user();
      Task task = visibleTask(taskId);
      if (!user.getUserId().equals(task.getAssignee())) {
        throw new Refusal(HttpStatus.FORBIDDEN, "只有本任务的办理人可以删除本任务上传的附件。");
      }
      Attachment attachment = AttachmentGuardPlugin.checked(
          () -> engine.getTaskService().getTaskAttachment(taskId, attachmentId));
      if (attachment == null) {
        throw new Refusal(HttpStatus.NOT_FOUND, "附件不是本任务上传的，不能在这里删除。");
      }
      AttachmentGuardPlugin.checked(() -> {
        engine.getTaskService().deleteTaskAttachment(taskId, attachmentId);
        return null;
      });
      return ResponseEntity.noContent().build();
    });
  }

  // --- checks ---

  private ResponseEntity<Object> answer(Supplier<ResponseEntity<Object>> action) {
    try {
      return action.get();
    } catch (Refusal refusal) {
      return ResponseEntity.status(refusal.status).contentType(MediaType.APPLICATION_JSON)
          .body(Map.of("type", "AttachmentRefused", "message", refusal.getMessage()));
    }
  }

  private Authentication user() {
    Authentication user = engine.getIdentityService().getCurrentAuthentication();
    if (user == null || user.getUserId() == null) {
      throw new Refusal(HttpStatus.UNAUTHORIZED, "请先登录。");
    }
    return user;
  }

  /** The open task, if the user may see it (the engine's task authorizations and tenants). */
  private Task visibleTask(String taskId) {
    Task task = engine.getTaskService().createTaskQuery().taskId(taskId).singleResult();
    if (task == null) {
      throw new Refusal(HttpStatus.NOT_FOUND, "任务不存在、已办结或无权查看。");
    }
    if (task.getProcessInstanceId() == null) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "这个任务不属于任何诉求，不能上传附件。");
    }
    return task;
  }

  private void ensureAppealVisible(String processInstanceId) {
    if (!appealsVisible(processInstanceId)) {
      throw new Refusal(HttpStatus.NOT_FOUND, "诉求不存在或无权查看。");
    }
  }

  /**
   * Whether the user may see the appeal's files: they have an open task in the instance (a department,
   * a leader approving), or may read the instance itself or its history (the office, leaders,
   * oversight); an attachment of a city instance is visible to who may see the county's instance it
   * serves, too.
   */
  private boolean appealsVisible(String processInstanceId) {
    if (mayRead(processInstanceId)) {
      return true;
    }
    String county = asSystem(() -> {
      var variable = engine.getHistoryService().createHistoricVariableInstanceQuery()
          .processInstanceId(processInstanceId).variableName("countyProcessInstanceId").singleResult();
      return variable == null || !(variable.getValue() instanceof String s) ? null : s;
    });
    return county != null && mayRead(county);
  }

  private boolean mayRead(String processInstanceId) {
    return engine.getTaskService().createTaskQuery().processInstanceId(processInstanceId).count() > 0
        || engine.getRuntimeService().createProcessInstanceQuery().processInstanceId(processInstanceId).count() > 0
        || engine.getHistoryService().createHistoricProcessInstanceQuery().processInstanceId(processInstanceId)
            .count() > 0;
  }

  /** The appeal's attachments: its own and those of the city's instances for it, oldest first. */
  private List<Map<String, Object>> list(String processInstanceId) {
    Set<String> instances = new LinkedHashSet<>();
    instances.add(processInstanceId);
    asSystem(() -> {
      for (HistoricProcessInstance city : engine.getHistoryService().createHistoricProcessInstanceQuery()
          .variableValueEquals("countyProcessInstanceId", processInstanceId).list()) {
        instances.add(city.getId());
      }
      return null;
    });
    List<Attachment> attachments = new ArrayList<>();
    for (String instance : instances) {
      attachments.addAll(AttachmentGuardPlugin.checked(
          () -> engine.getTaskService().getProcessInstanceAttachments(instance)));
    }
    attachments.sort(Comparator.comparing(Attachment::getCreateTime));
    return attachments.stream().map(this::describe).toList();
  }

  private <T> T asSystem(Supplier<T> action) {
    IdentityService identity = engine.getIdentityService();
    Authentication current = identity.getCurrentAuthentication();
    identity.clearAuthentication();
    try {
      return action.get();
    } finally {
      identity.setAuthentication(current);
    }
  }

  // --- files ---

  private Map<String, Object> describe(Attachment attachment) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", attachment.getId());
    row.put("name", attachment.getName());
    row.put("type", attachment.getType());
    row.put("taskId", attachment.getTaskId());
    row.put("processInstanceId", attachment.getProcessInstanceId());
    row.put("createTime", attachment.getCreateTime());
    try {
      row.putAll(json.readValue(attachment.getDescription() == null ? "{}" : attachment.getDescription(), Map.class));
    } catch (IOException e) {
      row.put("description", attachment.getDescription());
    }
    row.put("url", "/camunda/api/appeals/attachment/" + URLEncoder.encode(attachment.getId(), StandardCharsets.UTF_8)
        + "/data");
    return row;
  }

  private String userName(String userId) {
    User found = asSystem(() -> engine.getIdentityService().createUserQuery().userId(userId).singleResult());
    if (found == null) {
      return userId;
    }
    String name = ((found.getLastName() == null ? "" : found.getLastName())
        + (found.getFirstName() == null ? "" : found.getFirstName())).strip();
    return name.isEmpty() ? userId : name;
  }

  private String write(Map<String, Object> about) {
    try {
      return json.writeValueAsString(about);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The file name without folders or control characters, at most {@link #MAX_NAME} characters. */
  static String cleanName(String name) {
    String cleaned = name == null ? "" : name.replaceAll("[\\p{Cntrl}\\u200B-\\u200F\\u2028-\\u202E\\uFEFF]", "");
    cleaned = cleaned.substring(Math.max(cleaned.lastIndexOf('/'), cleaned.lastIndexOf('\\')) + 1).strip();
    if (cleaned.isEmpty() || cleaned.startsWith(".")) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "缺少文件名，未上传。");
    }
    if (cleaned.length() > MAX_NAME) {
      String ext = extension(cleaned);
      cleaned = cleaned.substring(0, MAX_NAME - ext.length() - 1) + "." + ext;
    }
    return cleaned;
  }

  static String extension(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  /**
   * The request body, refused above {@link #MAX_BYTES} (by Content-Length first, then as read) with a
   * message naming {@code fileName} like the other refusals (tester 6, N6).
   */
  private static byte[] body(HttpServletRequest request, String fileName) {
    String tooBig = "文件“" + fileName + "”超过 20 MB，未上传：请压缩或分成几个文件上传。";
    if (request.getContentLengthLong() > MAX_BYTES) {
      throw new Refusal(HttpStatus.PAYLOAD_TOO_LARGE, tooBig);
    }
    try (InputStream in = request.getInputStream()) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new Refusal(HttpStatus.PAYLOAD_TOO_LARGE, tooBig);
      }
      return bytes;
    } catch (IOException e) {
      throw new Refusal(HttpStatus.BAD_REQUEST, "文件没有传完整，未上传：请重试。");
    }
  }

  private static byte[] read(InputStream content) {
    try (content) {
      return content.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether the first bytes are those of the extension's format (PDF, OLE2 .doc, ZIP .docx, JPEG, PNG). */
  static boolean contentMatches(String extension, byte[] bytes) {
    return switch (extension) {
      case "pdf" -> startsWith(bytes, 0x25, 0x50, 0x44, 0x46, 0x2D);
      case "doc" -> startsWith(bytes, 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1);
      case "docx" -> startsWith(bytes, 0x50, 0x4B, 0x03, 0x04);
      case "jpg", "jpeg" -> startsWith(bytes, 0xFF, 0xD8, 0xFF);
      case "png" -> startsWith(bytes, 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A);
      default -> false;
    };
  }

  private static boolean startsWith(byte[] bytes, int... prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((bytes[i] & 0xFF) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
