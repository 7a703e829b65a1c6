#include "plugin_features.h"

#include "deepsorttrack/gstdeepsorttrack.h"
#include "homographyspeed/gsthomographyspeed.h"
#include "meta/rwmeta.h"
#include "metaconvert/gstmetaconvert.h"
#include "redissink/gstredissink.h"
#include "roianalytics/gstroianalytics.h"
#include "trafficoverlay/gsttrafficoverlay.h"
#include "viewergate/gstviewergate.h"
#include "yolodetect/gstyolodetect.h"

gboolean rw_register_plugin_features(GstPlugin *plugin) {
  rw::meta::register_metas();
  gboolean ok = TRUE;
  ok &= GST_ELEMENT_REGISTER(yolodetect, plugin);
  ok &= GST_ELEMENT_REGISTER(deepsorttrack, plugin);
  ok &= GST_ELEMENT_REGISTER(homographyspeed, plugin);
  ok &= GST_ELEMENT_REGISTER(metaconvert, plugin);
  ok &= GST_ELEMENT_REGISTER(trafficoverlay, plugin);
  ok &= GST_ELEMENT_REGISTER(roianalytics, plugin);
  ok &= GST_ELEMENT_REGISTER(viewergate, plugin);
  ok &= GST_ELEMENT_REGISTER(redissink, plugin);
  return ok;
}
