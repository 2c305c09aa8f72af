//! The floor for any egui app: one window of visit-rating's size with one label,
//! nothing focused, nothing animated.

fn main() -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("minimal-egui")
            .with_app_id("minimal-egui")
            .with_inner_size([1000.0, 780.0]),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "minimal-egui",
        options,
        Box::new(|_cc| Ok(Box::new(Minimal))),
    )
}

struct Minimal;

impl eframe::App for Minimal {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.label("Hello from the minimal eframe window");
        });
    }
}
