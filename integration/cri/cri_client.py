#!/usr/bin/python3
"""A minimal CRI client: the pod sandbox calls kubelet makes, over containerd's unix socket.

Uses Debian's python3-grpcio and python3-protobuf only: the messages come from
runtime_v1.proto (next to this file), compiled with protoc into a temp dir at each start, and
the stubs are plain channel.unary_unary calls on /runtime.v1.RuntimeService/<Method>, so
grpc_tools is not needed.

  cri_client.py --socket PATH version
  cri_client.py --socket PATH run SPEC-JSON...   # concurrently; one JSON line per pod
  cri_client.py --socket PATH status ID...       # state, IPs, netns path, pid, CNI result
  cri_client.py --socket PATH stop|remove|stopremove ID...   # concurrently
  cri_client.py --socket PATH list               # every sandbox id, one a line

SPEC-JSON: {"name", "namespace", "uid", "hostname", "cgroup_parent", "labels", "annotations",
"port_mappings": [{"protocol": "TCP"|"UDP"|"SCTP", "container_port", "host_port", "host_ip"}]}.
Every command prints JSON lines and exits 1 when any call failed.
"""
import argparse
import concurrent.futures
import importlib
import json
import os
import subprocess
import sys
import tempfile
import uuid

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
SERVICE = "/runtime.v1.RuntimeService/"
TIMEOUT = 120


def load_messages():
    """Compiles runtime_v1.proto with protoc and imports the generated module."""
    out = tempfile.mkdtemp(prefix="cri-pb2-")
    try:
        subprocess.run(["protoc", "--proto_path=" + HERE, "--python_out=" + out,
                        os.path.join(HERE, "runtime_v1.proto")], check=True)
        sys.path.insert(0, out)
        return importlib.import_module("runtime_v1_pb2")
    finally:
        # The module is loaded: the generated file is no longer needed.
        for name in os.listdir(out):
            if os.path.isfile(os.path.join(out, name)):
                os.unlink(os.path.join(out, name))
        for name in os.listdir(out):
            os.rmdir(os.path.join(out, name))
        os.rmdir(out)


class Runtime:
    """Hand-written stubs: one unary call per method."""

    def __init__(self, pb, socket):
        self.pb = pb
        self.channel = grpc.insecure_channel("unix://" + os.path.abspath(socket))

    def call(self, method, request, response_type):
        stub = self.channel.unary_unary(SERVICE + method,
                                        request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=response_type.FromString)
        return stub(request, timeout=TIMEOUT)

    def version(self):
        pb = self.pb
        return self.call("Version", pb.VersionRequest(version="v1"), pb.VersionResponse)

    def run(self, spec):
        pb = self.pb
        config = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=spec["name"],
                                           uid=spec.get("uid") or str(uuid.uuid4()),
                                           namespace=spec.get("namespace", "default"),
                                           attempt=0),
            hostname=spec.get("hostname", spec["name"]),
            labels=spec.get("labels", {}),
            annotations=spec.get("annotations", {}),
            linux=pb.LinuxPodSandboxConfig(cgroup_parent=spec.get("cgroup_parent", "")))
        for pm in spec.get("port_mappings", []):
            config.port_mappings.add(protocol=pb.Protocol.Value(pm.get("protocol", "TCP")),
                                     container_port=pm["container_port"],
                                     host_port=pm.get("host_port", 0),
                                     host_ip=pm.get("host_ip", ""))
        resp = self.call("RunPodSandbox", pb.RunPodSandboxRequest(config=config),
                         pb.RunPodSandboxResponse)
        return {"name": spec["name"], "id": resp.pod_sandbox_id}

    def status(self, sid):
        pb = self.pb
        resp = self.call("PodSandboxStatus",
                         pb.PodSandboxStatusRequest(pod_sandbox_id=sid, verbose=True),
                         pb.PodSandboxStatusResponse)
        st = resp.status
        out = {"id": st.id, "name": st.metadata.name,
               "state": pb.PodSandboxState.Name(st.state),
               "ip": st.network.ip, "additional_ips": [a.ip for a in st.network.additional_ips]}
        info = json.loads(resp.info.get("info", "{}"))
        out["pid"] = info.get("pid", 0)
        namespaces = info.get("runtimeSpec", {}).get("linux", {}).get("namespaces", [])
        out["netns"] = next((n.get("path", "") for n in namespaces if n.get("type") == "network"), "")
        out["cni_result"] = info.get("cniResult")
        return out

    def stop(self, sid):
        pb = self.pb
        self.call("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=sid),
                  pb.StopPodSandboxResponse)
        return {"id": sid, "stopped": True}

    def remove(self, sid):
        pb = self.pb
        self.call("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=sid),
                  pb.RemovePodSandboxResponse)
        return {"id": sid, "removed": True}

    def stopremove(self, sid):
        self.stop(sid)
        return self.remove(sid)

    def list(self):
        pb = self.pb
        resp = self.call("ListPodSandbox", pb.ListPodSandboxRequest(), pb.ListPodSandboxResponse)
        return [item.id for item in resp.items]


def concurrently(fn, args):
    """Calls fn on every arg at once (one thread each, as kubelet's pod workers); prints one
    JSON line per arg in order; returns False when any call failed."""
    ok = True
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(args))) as pool:
        futures = [pool.submit(fn, a) for a in args]
        for arg, fut in zip(args, futures):
            try:
                print(json.dumps(fut.result()), flush=True)
            except grpc.RpcError as e:
                ok = False
                print(json.dumps({"arg": arg, "error": f"{e.code().name}: {e.details()}"}), flush=True)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("command", choices=["version", "run", "status", "stop", "remove",
                                            "stopremove", "list"])
    parser.add_argument("args", nargs="*")
    opts = parser.parse_args()
    rt = Runtime(load_messages(), opts.socket)
    try:
        if opts.command == "version":
            v = rt.version()
            print(json.dumps({"version": v.version, "runtime_name": v.runtime_name,
                              "runtime_version": v.runtime_version,
                              "runtime_api_version": v.runtime_api_version}))
            return 0
        if opts.command == "list":
            for sid in rt.list():
                print(sid)
            return 0
    except grpc.RpcError as e:
        print(json.dumps({"error": f"{e.code().name}: {e.details()}"}))
        return 1
    if opts.command == "run":
        return 0 if concurrently(rt.run, [json.loads(a) for a in opts.args]) else 1
    fn = getattr(rt, opts.command)
    return 0 if concurrently(fn, opts.args) else 1


if __name__ == "__main__":
    sys.exit(main())
