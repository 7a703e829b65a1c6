#include "ws/counting_stream.hpp"

#include <span>

#include "ws/wire.hpp"

// Two small GObject types: an output stream that forwards (pollable) writes and counts them,
// and the GIOStream that pairs it with the base connection's input stream.

G_BEGIN_DECLS
#define RW_TYPE_COUNTING_OUTPUT_STREAM (rw_counting_output_stream_get_type())
G_DECLARE_FINAL_TYPE(RwCountingOutputStream, rw_counting_output_stream, RW, COUNTING_OUTPUT_STREAM,
                     GOutputStream)
#define RW_TYPE_COUNTING_IO_STREAM (rw_counting_io_stream_get_type())
G_DECLARE_FINAL_TYPE(RwCountingIOStream, rw_counting_io_stream, RW, COUNTING_IO_STREAM, GIOStream)
G_END_DECLS

namespace {

struct Counter {
  rw::server::WireScanner scanner;
  std::uint64_t data_bytes = 0;
  std::function<void()> on_written;
};

}  // namespace

struct _RwCountingOutputStream {
  GOutputStream parent;
  GOutputStream *base;
  Counter *counter;
};

struct _RwCountingIOStream {
  GIOStream parent;
  GIOStream *base;
  RwCountingOutputStream *output;
};

namespace {

void count_written(RwCountingOutputStream *self, const void *buffer, gssize written) {
  if (written <= 0) return;
  const auto bytes =
      std::span(static_cast<const std::uint8_t *>(buffer), static_cast<std::size_t>(written));
  const std::size_t data = self->counter->scanner.consume(bytes);
  self->counter->data_bytes += data;
  if (data > 0 && self->counter->on_written) self->counter->on_written();
}

GPollableOutputStream *pollable_base(RwCountingOutputStream *self) {
  return G_POLLABLE_OUTPUT_STREAM(self->base);
}

void rw_counting_output_stream_pollable_init(GPollableOutputStreamInterface *iface) {
  iface->can_poll = [](GPollableOutputStream *) -> gboolean { return TRUE; };
  iface->is_writable = [](GPollableOutputStream *stream) -> gboolean {
    return g_pollable_output_stream_is_writable(pollable_base(RW_COUNTING_OUTPUT_STREAM(stream)));
  };
  iface->create_source = [](GPollableOutputStream *stream, GCancellable *cancellable) {
    GSource *base_source = g_pollable_output_stream_create_source(
        pollable_base(RW_COUNTING_OUTPUT_STREAM(stream)), cancellable);
    GSource *source = g_pollable_source_new_full(stream, base_source, cancellable);
    g_source_unref(base_source);
    return source;
  };
  iface->write_nonblocking = [](GPollableOutputStream *stream, const void *buffer, gsize count,
                                GError **error) -> gssize {
    auto *self = RW_COUNTING_OUTPUT_STREAM(stream);
    const gssize written = g_pollable_output_stream_write_nonblocking(pollable_base(self), buffer,
                                                                      count, nullptr, error);
    count_written(self, buffer, written);
    return written;
  };
}

}  // namespace

G_DEFINE_FINAL_TYPE_WITH_CODE(RwCountingOutputStream, rw_counting_output_stream,
                              G_TYPE_OUTPUT_STREAM,
                              G_IMPLEMENT_INTERFACE(G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                    rw_counting_output_stream_pollable_init))

static void rw_counting_output_stream_init(RwCountingOutputStream *self) {
  self->base = nullptr;
  self->counter = new Counter();
}

static void rw_counting_output_stream_finalize(GObject *object) {
  auto *self = RW_COUNTING_OUTPUT_STREAM(object);
  g_clear_object(&self->base);
  delete self->counter;
  G_OBJECT_CLASS(rw_counting_output_stream_parent_class)->finalize(object);
}

static void rw_counting_output_stream_class_init(RwCountingOutputStreamClass *klass) {
  G_OBJECT_CLASS(klass)->finalize = rw_counting_output_stream_finalize;
  GOutputStreamClass *output = G_OUTPUT_STREAM_CLASS(klass);
  output->write_fn = [](GOutputStream *stream, const void *buffer, gsize count,
                        GCancellable *cancellable, GError **error) -> gssize {
    auto *self = RW_COUNTING_OUTPUT_STREAM(stream);
    const gssize written = g_output_stream_write(self->base, buffer, count, cancellable, error);
    count_written(self, buffer, written);
    return written;
  };
  output->flush = [](GOutputStream *stream, GCancellable *cancellable, GError **error) {
    return g_output_stream_flush(RW_COUNTING_OUTPUT_STREAM(stream)->base, cancellable, error);
  };
  // The base connection closes with the RwCountingIOStream, not stream by stream.
  output->close_fn = [](GOutputStream *, GCancellable *, GError **) -> gboolean { return TRUE; };
}

G_DEFINE_FINAL_TYPE(RwCountingIOStream, rw_counting_io_stream, G_TYPE_IO_STREAM)

static void rw_counting_io_stream_init(RwCountingIOStream *self) {
  self->base = nullptr;
  self->output = nullptr;
}

static void rw_counting_io_stream_finalize(GObject *object) {
  auto *self = RW_COUNTING_IO_STREAM(object);
  g_clear_object(&self->output);
  g_clear_object(&self->base);
  G_OBJECT_CLASS(rw_counting_io_stream_parent_class)->finalize(object);
}

static void on_base_closed(GObject *base, GAsyncResult *result, gpointer data) {
  GTask *task = G_TASK(data);
  GError *error = nullptr;
  if (g_io_stream_close_finish(G_IO_STREAM(base), result, &error)) {
    g_task_return_boolean(task, TRUE);
  } else {
    g_task_return_error(task, error);
  }
  g_object_unref(task);
}

static void rw_counting_io_stream_class_init(RwCountingIOStreamClass *klass) {
  G_OBJECT_CLASS(klass)->finalize = rw_counting_io_stream_finalize;
  GIOStreamClass *io = G_IO_STREAM_CLASS(klass);
  io->get_input_stream = [](GIOStream *stream) {
    return g_io_stream_get_input_stream(RW_COUNTING_IO_STREAM(stream)->base);
  };
  io->get_output_stream = [](GIOStream *stream) {
    return G_OUTPUT_STREAM(RW_COUNTING_IO_STREAM(stream)->output);
  };
  io->close_fn = [](GIOStream *stream, GCancellable *cancellable, GError **error) {
    return g_io_stream_close(RW_COUNTING_IO_STREAM(stream)->base, cancellable, error);
  };
  // libsoup closes asynchronously; GIOStream's default would run close_fn in a thread.
  io->close_async = [](GIOStream *stream, int priority, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer data) {
    GTask *task = g_task_new(stream, cancellable, callback, data);
    g_io_stream_close_async(RW_COUNTING_IO_STREAM(stream)->base, priority, cancellable,
                            on_base_closed, task);
  };
  io->close_finish = [](GIOStream *, GAsyncResult *result, GError **error) {
    return g_task_propagate_boolean(G_TASK(result), error);
  };
}

namespace rw::server {

GIOStream *counting_io_stream_new(GIOStream *base, std::function<void()> on_written) {
  auto *output = RW_COUNTING_OUTPUT_STREAM(g_object_new(RW_TYPE_COUNTING_OUTPUT_STREAM, nullptr));
  output->base = G_OUTPUT_STREAM(g_object_ref(g_io_stream_get_output_stream(base)));
  output->counter->on_written = std::move(on_written);
  auto *stream = RW_COUNTING_IO_STREAM(g_object_new(RW_TYPE_COUNTING_IO_STREAM, nullptr));
  stream->base = G_IO_STREAM(g_object_ref(base));
  stream->output = output;
  return G_IO_STREAM(stream);
}

void counting_io_stream_forget(GIOStream *stream) {
  RW_COUNTING_IO_STREAM(stream)->output->counter->on_written = nullptr;
}

std::uint64_t counting_io_stream_data_bytes(GIOStream *stream) {
  return RW_COUNTING_IO_STREAM(stream)->output->counter->data_bytes;
}

}  // namespace rw::server
