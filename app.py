"""Generative Playground: builds the app from playground.ui and serves it (http://127.0.0.1:7860)."""
import argparse
import os

MAX_UPLOAD = "20mb"  # a CSV of a million 2-D points is about 18 MB


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Serve the Generative Playground.")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link (off by default)")
    args = parser.parse_args(argv)

    from playground.device import configure_threads, default_workers
    from playground.ui import CSS, build_app, warm_up

    workers = default_workers()
    demo = build_app()
    demo.queue(default_concurrency_limit=workers)
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, max_file_size=MAX_UPLOAD, css=CSS,
                prevent_thread_lock=True)
    configure_threads(workers)  # imports torch: after the first page is served, before any model runs
    warm_up()  # the page is served already; the libraries load behind it
    demo.block_thread()


if __name__ == "__main__":
    main()
