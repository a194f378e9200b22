//! Where `kvsim run` sends the trace as the run goes: printed as JSON lines (`--trace`), hashed
//! (`--hash`), written as a ShiViz log (`--shiviz`). Each step's events go out and are then
//! dropped, so a run keeps no events and its memory is bounded by the cluster, not its length.

use super::run::Output;
use kvplayground::sim::shiviz::ShivizWriter;
use kvplayground::sim::trace::TraceHasher;
use kvplayground::Simulation;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

pub struct TraceStreams {
    print: bool,
    hasher: Option<TraceHasher>,
    shiviz: Option<ShivizFile>,
}

struct ShivizFile {
    path: PathBuf,
    file: BufWriter<File>,
    writer: ShivizWriter,
}

impl ShivizFile {
    fn fail(&self, e: std::io::Error) -> String {
        format!("cannot write the ShiViz log {}: {e}", self.path.display())
    }
}

impl TraceStreams {
    /// Opens what `output` asks for (the ShiViz file is created now, so a bad path fails before
    /// the run).
    pub fn open(output: &Output) -> Result<TraceStreams, String> {
        let shiviz = match &output.shiviz {
            Some(path) => {
                let file =
                    File::create(path).map_err(|e| format!("cannot write the ShiViz log {}: {e}", path.display()))?;
                Some(ShivizFile { path: path.clone(), file: BufWriter::new(file), writer: ShivizWriter::default() })
            }
            None => None,
        };
        Ok(TraceStreams { print: output.trace, hasher: output.hash.then(TraceHasher::default), shiviz })
    }

    /// Whether the run must record its trace at all.
    pub fn wanted(output: &Output) -> bool {
        output.trace || output.hash || output.shiviz.is_some()
    }

    /// Sends the events recorded since the last call on, then drops them from the simulation.
    pub fn drain(&mut self, sim: &mut Simulation, out: &mut impl Write) -> Result<(), String> {
        if sim.trace().first_kept() == sim.trace().len() {
            return Ok(()); // nothing new (or no trace at all): a run without one pays nothing here
        }
        let cannot_write = |e: std::io::Error| format!("cannot write output: {e}");
        for event in sim.trace().events() {
            // Written straight into the output or the hasher's one buffer: a String a line was a
            // tenth of a hashed run's time.
            match &mut self.hasher {
                Some(hasher) => {
                    let line = hasher.push_event(&event);
                    if self.print {
                        out.write_all(line).map_err(cannot_write)?;
                    }
                }
                None if self.print => {
                    serde_json::to_writer(&mut *out, &event).map_err(|e| cannot_write(e.into()))?;
                    out.write_all(b"\n").map_err(cannot_write)?;
                }
                None => {}
            }
            if let Some(shiviz) = &mut self.shiviz {
                shiviz.writer.push(&event);
                let text = shiviz.writer.take();
                shiviz.file.write_all(text.as_bytes()).map_err(|e| shiviz.fail(e))?;
            }
        }
        sim.clear_trace();
        Ok(())
    }

    /// The trace hash, when `--hash` asked for it.
    pub fn hash(&self) -> Option<String> {
        self.hasher.as_ref().map(TraceHasher::hex)
    }

    /// Finishes the ShiViz log.
    pub fn close(self) -> Result<(), String> {
        if let Some(mut shiviz) = self.shiviz {
            shiviz.file.flush().map_err(|e| shiviz.fail(e))?;
        }
        Ok(())
    }
}
